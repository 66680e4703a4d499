import './style.css';
import { startApp } from './app';

startApp(new Worker(new URL('./worker/worker.ts', import.meta.url), { type: 'module' }));
