package store

// KeepLayerChanges is how many layer changes imports keep recorded.
const KeepLayerChanges = keepLayerChanges
