package events

import (
	"bytes"
	"unsafe"

	"github.com/kqlrules/kqlrules/eval"
)

// keyMemo remembers the top-level keys a reused [Lazy] met, and for each
// where it leads in the last [eval.PathTree] and [eval.LeafTree] that
// looked it up: the events of a stream share most of their keys, so that
// the walk of the presence scan (pathScan) and that of the refusal check
// (Lazy.Leaves) find a key's node with one hash of its text, once per
// event for both, rather than split it at its dots and look each part
// up in each tree. Only plain keys are remembered (not empty, nothing to
// decode): an entry's key is its name. What it remembers is a function of
// the key and the tree alone, so an entry never goes stale; it stops
// taking keys when full (maxMemoKeys, maxMemoText), and the keys it holds
// still answer.
//
// It also remembers the order of the keys: the events of a stream come
// in runs of one shape, whose members follow one another in the same
// order, so that the key of the next member is most often the one that
// followed the last member's key last time (memoEntry.next). The walk
// checks that guess against the text (keyMemo.guess) before it finds
// where the key ends or hashes it.
type keyMemo struct {
	slots   []int32 // open addressing: 1 + the index of the entry whose key hashes there, 0 free
	entries []memoEntry
	text    []byte // the entries' keys
	first   int32  // the id of the first top-level key of the last event walked, 0 for none
}

// memoEntry is one remembered key: text[ks:ke].
type memoEntry struct {
	ks, ke int32
	// next is the id of the key of the member that followed one with
	// this key in the last event walked that had it, 0 for none
	next int32
	// seen is the Lazy's event count when a top-level member of the
	// event had this key (Lazy.repeats)
	seen uint32
	// where the key leads from the root of path (parts: how many name
	// parts it took; ok: into the tree), and of leaf
	path  *eval.PathTree
	node  int32
	parts int32
	ok    bool
	leaf  *eval.LeafTree
	lnode eval.LeafNode
}

// The bounds of a keyMemo: 16,384 keys, 1 MiB of their text (about
// 2 MiB with the slots and entries), enough for every top-level key of
// the Beats corpus (3,974 keys, 119 KB) with room for more.
const (
	maxMemoKeys = 1 << 14
	maxMemoText = 1 << 20
)

// guess reports whether the object member at b[p] (its opening quote)
// has the key of entry id (non-zero): the member's key is then
// b[p+1:ke]. A remembered key is plain (no backslash, hence no quote):
// when the text after the quote is that key and a quote follows, that
// quote closes the string, which holds the key and nothing else.
func (k *keyMemo) guess(b []byte, p int, id int32) (ke int, ok bool) {
	e := &k.entries[id-1]
	ke = p + 1 + int(e.ke-e.ks)
	if ke >= len(b) || b[ke] != '"' || string(b[p+1:ke]) != string(k.text[e.ks:e.ke]) {
		return 0, false
	}
	return ke, true
}

// follows records that a top-level member with the key of entry id (0:
// one the memo does not hold) came after one with the key of entry prev
// (0: one it does not hold), or first in the event (first), and returns
// the guess for the member after it (0: none).
func (k *keyMemo) follows(prev, id int32, first bool) int32 {
	switch {
	case first:
		k.first = id
	case prev > 0:
		k.entries[prev-1].next = id
	}
	if id == 0 {
		return 0
	}
	return k.entries[id-1].next
}

// id returns 1 + the index of the entry of the raw key, adding one for a
// plain key it does not hold yet; 0 for a key to decode, an empty key, or
// a new key when the memo is full. raw is a key memberKey read, a valid
// JSON string's text: so is every key the memo holds, and a key that
// matches one (guess) needs no check (pathScan.scan relies on it).
func (k *keyMemo) id(raw []byte) int32 {
	if len(raw) == 0 {
		return 0
	}
	if k.slots == nil {
		k.slots = make([]int32, 64)
	}
	mask := uint32(len(k.slots) - 1)
	h := keyHash(raw) & mask
	for ; k.slots[h] != 0; h = (h + 1) & mask {
		e := &k.entries[k.slots[h]-1]
		if bytes.Equal(k.text[e.ks:e.ke], raw) {
			return k.slots[h]
		}
	}
	if len(k.entries) >= maxMemoKeys || len(k.text)+len(raw) > maxMemoText || needsDecoding(raw) {
		return 0
	}
	ks := int32(len(k.text))
	k.text = append(k.text, raw...)
	k.entries = append(k.entries, memoEntry{ks: ks, ke: int32(len(k.text)), lnode: eval.LeafNone})
	k.slots[h] = int32(len(k.entries))
	if 2*len(k.entries) > len(k.slots) {
		k.grow()
	}
	return int32(len(k.entries))
}

// grow doubles the slots and places the entries again.
func (k *keyMemo) grow() {
	k.slots = make([]int32, 2*len(k.slots))
	mask := uint32(len(k.slots) - 1)
	for i := range k.entries {
		e := &k.entries[i]
		h := keyHash(k.text[e.ks:e.ke]) & mask
		for k.slots[h] != 0 {
			h = (h + 1) & mask
		}
		k.slots[h] = int32(i + 1)
	}
}

// step is [eval.PathTree.Step] from the root for the key of entry id.
func (k *keyMemo) step(id int32, t *eval.PathTree) (int32, int, bool) {
	e := &k.entries[id-1]
	if e.path != t {
		n, parts, ok := t.Step(0, k.key(e))
		e.path, e.node, e.parts, e.ok = t, n, int32(parts), ok
	}
	return e.node, int(e.parts), e.ok
}

// passes reports whether a top-level member with the key of entry id
// leads into neither t nor, when it is not nil, lt, as the entry knows
// from the last lookups of the key in them (false when it does not
// know): the walk of the trees has nothing to note below it.
func (k *keyMemo) passes(id int32, t *eval.PathTree, lt *eval.LeafTree) bool {
	e := &k.entries[id-1]
	return e.path == t && !e.ok && (lt == nil || (e.leaf == lt && e.lnode == eval.LeafNone))
}

// leafStep is [eval.LeafTree.Step] from the root for the key of entry id.
func (k *keyMemo) leafStep(id int32, t *eval.LeafTree) eval.LeafNode {
	e := &k.entries[id-1]
	if e.leaf != t {
		e.leaf, e.lnode = t, t.Step(t.Root(), k.key(e))
	}
	return e.lnode
}

// key returns the key of e, valid until the memo takes another.
func (k *keyMemo) key(e *memoEntry) string {
	return unsafe.String(&k.text[e.ks], int(e.ke-e.ks))
}
