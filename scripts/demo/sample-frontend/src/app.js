/* global document */
document.body.dataset.release = 'demo';
