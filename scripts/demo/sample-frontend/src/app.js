document.body.dataset.release = 'demo';
