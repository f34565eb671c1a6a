package gallery

import (
	"container/list"
	"sync"
	"time"
)

// thumb is one encoded thumbnail and the source file state it was made from.
type thumb struct {
	id          string
	data        []byte
	contentType string
	modTime     time.Time // of the source file
	size        int64     // of the source file
}

// fresh reports whether t was made from a file with this mod time and size.
func (t *thumb) fresh(modTime time.Time, size int64) bool {
	return t.modTime.Equal(modTime) && t.size == size
}

// thumbCache is an LRU of thumbnails bounded by their total encoded size.
type thumbCache struct {
	mu    sync.Mutex
	limit int64
	used  int64
	order *list.List // front = most recently used; values are *thumb
	byID  map[string]*list.Element
}

func newThumbCache(limit int64) *thumbCache {
	return &thumbCache{limit: limit, order: list.New(), byID: map[string]*list.Element{}}
}

func (c *thumbCache) get(id string) (*thumb, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*thumb), true
}

func (c *thumbCache) put(t *thumb) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[t.id]; ok {
		c.removeLocked(e)
	}
	if int64(len(t.data)) > c.limit {
		return // would evict everything and still not fit
	}
	c.byID[t.id] = c.order.PushFront(t)
	c.used += int64(len(t.data))
	for c.used > c.limit {
		c.removeLocked(c.order.Back())
	}
}

func (c *thumbCache) remove(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok {
		c.removeLocked(e)
	}
}

func (c *thumbCache) removeLocked(e *list.Element) {
	t := c.order.Remove(e).(*thumb)
	delete(c.byID, t.id)
	c.used -= int64(len(t.data))
}

func (c *thumbCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
