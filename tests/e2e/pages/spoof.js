// A frame whose content moved to another origin asks its parent for a silly height.
window.parent.postMessage({ type: 'pledge:resize', height: 4321 }, '*');
