// Package events reads events: newline-delimited JSON, JSON arrays of
// objects or pretty-printed objects, from files, directories of files,
// gzip-compressed files or standard input, streamed one event at a time in
// bounded memory (no event longer than [MaxEvent] is read into it). Lines
// that are not JSON objects are yielded as *Error with their file and
// line, never lost, so that a caller can count events read = evaluated +
// rejected; a file of a directory that cannot be read is yielded as a
// *FileError, and the rest is read.
//
// Events come decoded ([Read], [ReadFiles]: a map with json.Number
// numbers, as eval.Map reads) or as their JSON text ([ReadRaw],
// [ReadRawFiles]) for a [Lazy] event, which implements eval.Event by
// reading only the fields a compiled program asks for, with the same
// answers as the decoded map, many times faster than decoding it. A
// reader of many events can leave the check that each text is a JSON
// object ([ReadRawUnchecked], [ReadRawFilesUnchecked]) to the walk its
// Lazy makes of each event anyway ([Lazy.Check]): one pass over the
// text instead of two.
package events
