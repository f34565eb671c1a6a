// Package remote runs ComfyUI API-format graphs on ComfyUI servers, as
// extra render capacity beside the native executor in package workflows.
//
// A Client speaks to one server with ComfyUI's own protocol (server.py):
// it opens the websocket /ws?clientId=ID first so no message is missed,
// queues the graph with POST /prompt, follows progress on the websocket,
// and takes the results from GET /history/{prompt_id} (the source of
// truth; the websocket is only for progress) and GET /view. Cancelling
// removes a pending prompt (POST /queue {"delete"}) and interrupts a
// running one (POST /interrupt). Everything the server sends is checked:
// bodies and images are size-bounded, JSON shapes are validated, images
// must carry the PNG signature and file names must be plain names.
//
// A Pool spreads jobs over several servers: it health-checks them (GET
// /system_stats), sends each job to the least busy server that is up, and
// when a server goes down mid-job runs the job again on another one (each
// server at most once per job).
//
// Package comfytest holds a loopback stand-in server for tests.
package remote
