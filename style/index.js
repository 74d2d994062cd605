import './base.css';
import './environment.css';
