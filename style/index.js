import './base.css';
import './settings.css';
