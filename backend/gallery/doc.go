// Package gallery is the service behind the Gallery page: it pages and
// searches the outputs recorded in history, serves the images and their
// thumbnails to the web view over HTTP (/media/outputs/<id>,
// /media/thumbs/<id>), opens or reveals files in the OS file manager, and
// deletes outputs. Files are only ever found through their database record;
// a URL carries an id, never a path.
package gallery
