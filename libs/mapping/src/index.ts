export * from './profile-document.js';
