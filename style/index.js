import './base.css';
import './settings.css';
import './environment.css';
