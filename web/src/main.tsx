import { render } from 'preact';
import { App } from './app.js';
import './styles/base.css';
import './styles/data.css';
import './styles/forms.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
