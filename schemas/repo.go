package schemas

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/kqlrules/kqlrules/mapping"
)

// Repo is a checkout of Elastic's detection-rules repository, read for the
// schemas it validates rule queries against (the files under
// detection_rules/etc/). Files are read when first needed and kept: one
// Repo serves any number of rules. A Repo is safe for concurrent use.
type Repo struct {
	dir, etc string
	stacks   []stackEntry // ascending
	current  version      // packages.yaml package.name

	mu        sync.Mutex
	ecs       map[string]map[string]string // by ECS version (as found on disk)
	beats     map[string]map[string]any    // by beats file version
	nonECS    map[string]any
	endpoint  map[string]string
	manifests map[string]map[string]manifest
	integ     map[string]map[string]json.RawMessage // package → version → data streams (decoded on use)
	streams   map[string]map[string]map[string]string
	built     map[string]mapping.Schema    // by Target.Key
	resolved  map[string]resolved          // by package, data stream and stack
	sorted    map[string][]string          // sortedVersions
	indexes   map[string]map[string]string // indexFields
	floors    map[string]int               // patchFloor by package and stack
	avail     map[string][]string          // available, by folder
}

// stackEntry is one stack version of stack-schema-map.yaml.
type stackEntry struct {
	stack                  version
	name                   string
	beats, ecs, endgameVer string
}

// manifest is the part of an integration package version's manifest
// (integration-manifests.json.gz) used here.
type manifest struct {
	Conditions struct {
		Kibana struct {
			Version string `json:"version"`
		} `json:"kibana"`
	} `json:"conditions"`
}

// etcDir is where detection-rules keeps its schemas, under its root.
const etcDir = "detection_rules/etc"

// Find walks up from path (a file or a folder) to the first folder that
// holds detection_rules/etc/stack-schema-map.yaml: the root of a
// detection-rules checkout. ok is false when there is none.
func Find(path string) (dir string, ok bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		abs = filepath.Dir(abs)
	}
	for {
		if _, err := os.Stat(filepath.Join(abs, etcDir, "stack-schema-map.yaml")); err == nil {
			return abs, true
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", false
		}
		abs = parent
	}
}

// Open reads the detection-rules checkout at dir: its root, or its
// detection_rules/etc folder itself. It reads the stack versions
// (stack-schema-map.yaml) and the current package version (packages.yaml)
// now, and the schemas when a rule needs them.
func Open(dir string) (*Repo, error) {
	etc := filepath.Join(dir, etcDir)
	if _, err := os.Stat(filepath.Join(etc, "stack-schema-map.yaml")); err != nil {
		if _, err2 := os.Stat(filepath.Join(dir, "stack-schema-map.yaml")); err2 != nil {
			return nil, fmt.Errorf("schemas: %s is not a detection-rules checkout: no %s/stack-schema-map.yaml", dir, etcDir)
		}
		etc = dir
	}
	r := &Repo{dir: dir, etc: etc, ecs: map[string]map[string]string{}, beats: map[string]map[string]any{},
		streams: map[string]map[string]map[string]string{}, built: map[string]mapping.Schema{}}
	name := filepath.Join(etc, "stack-schema-map.yaml")
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("schemas: %w", err)
	}
	m, err := readYAML(name, data)
	if err != nil {
		return nil, fmt.Errorf("schemas: %w", err)
	}
	for k, v := range m {
		sv, err := parseVersion(k)
		if err != nil {
			return nil, fmt.Errorf("schemas: %s: stack %w", name, err)
		}
		if v["ecs"] == "" {
			return nil, fmt.Errorf("schemas: %s: stack %s has no ecs version", name, k)
		}
		r.stacks = append(r.stacks, stackEntry{stack: sv, name: k, beats: v["beats"], ecs: v["ecs"], endgameVer: v["endgame"]})
	}
	if len(r.stacks) == 0 {
		return nil, fmt.Errorf("schemas: %s: no stack version", name)
	}
	slices.SortFunc(r.stacks, func(a, b stackEntry) int { return a.stack.compare(b.stack) })
	r.current = r.stacks[len(r.stacks)-1].stack
	pname := filepath.Join(etc, "packages.yaml")
	if data, err := os.ReadFile(pname); err == nil {
		pm, err := readYAML(pname, data)
		if err != nil {
			return nil, fmt.Errorf("schemas: %w", err)
		}
		if n := pm["package"]["name"]; n != "" {
			if r.current, err = parseVersion(n); err != nil {
				return nil, fmt.Errorf("schemas: %s: package.name: %w", pname, err)
			}
		}
	}
	return r, nil
}

// Dir returns the checkout's directory, as given to [Open].
func (r *Repo) Dir() string { return r.dir }

// readGzipJSON decodes a JSON file of etc/ into v, gunzipping it when it
// starts as gzip data does (whatever its name says).
func (r *Repo) readGzipJSON(rel string, v any) error {
	name := filepath.Join(r.etc, rel)
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var rd io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer z.Close()
		rd = z
	}
	if err := json.NewDecoder(rd).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// available lists the versions found as entries of etc/sub named by
// trim(entry), newest first. Call with r.mu held.
func (r *Repo) available(sub string, trim func(string) (string, bool)) []string {
	if vs, ok := r.avail[sub]; ok {
		return vs
	}
	ents, _ := os.ReadDir(filepath.Join(r.etc, sub))
	var vs []string
	for _, e := range ents {
		if v, ok := trim(e.Name()); ok {
			if _, err := parseVersion(v); err == nil {
				vs = append(vs, v)
			}
		}
	}
	slices.SortFunc(vs, func(a, b string) int {
		va, _ := parseVersion(a)
		vb, _ := parseVersion(b)
		return vb.compare(va)
	})
	if r.avail == nil {
		r.avail = map[string][]string{}
	}
	r.avail[sub] = vs
	return vs
}

// pick returns want when it is available, else the newest available (as
// detection-rules falls back when a mapped schema is absent), or "".
func pick(want string, avail []string) string {
	if slices.Contains(avail, want) || len(avail) == 0 {
		if len(avail) == 0 {
			return ""
		}
		return want
	}
	return avail[0]
}

// ecsFields returns the flat ECS schema of version v (or of the newest
// version on disk when v is absent), multi-fields included, as
// detection-rules' ecs.flatten_multi_fields gives it; and the version used.
// Call with r.mu held.
func (r *Repo) ecsFields(v string) (map[string]string, string, error) {
	v = pick(v, r.available("ecs_schemas", func(n string) (string, bool) { return n, true }))
	if v == "" {
		return nil, "", errors.New("schemas: no ECS schema under " + filepath.Join(r.etc, "ecs_schemas"))
	}
	if s, ok := r.ecs[v]; ok {
		return s, v, nil
	}
	var raw map[string]struct {
		Type        string `json:"type"`
		MultiFields []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"multi_fields"`
	}
	if err := r.readGzipJSON(filepath.Join("ecs_schemas", v, "ecs_flat.json.gz"), &raw); err != nil {
		return nil, "", fmt.Errorf("schemas: ECS %s: %w", v, err)
	}
	s := make(map[string]string, len(raw)+200)
	for name, f := range raw {
		s[name] = f.Type
		for _, m := range f.MultiFields {
			s[name+"."+m.Name] = m.Type
		}
	}
	r.ecs[v] = s
	return s, v, nil
}

// beatsVersion returns v when etc/beats_schemas has it, else the newest
// version there ("" for none).
func (r *Repo) beatsVersion(v string) string {
	return pick(v, r.available("beats_schemas", func(n string) (string, bool) {
		if !strings.HasPrefix(n, "v") || !strings.HasSuffix(n, ".json.gz") {
			return "", false
		}
		return strings.TrimSuffix(n[1:], ".json.gz"), true
	}))
}

// beatsSchema returns the beats schema tree of version v (or the newest on
// disk), and the version used; nil when there is none. Call with r.mu held.
func (r *Repo) beatsSchema(v string) (map[string]any, string, error) {
	v = r.beatsVersion(v)
	if v == "" {
		return nil, "", nil
	}
	if s, ok := r.beats[v]; ok {
		return s, v, nil
	}
	var s map[string]any
	if err := r.readGzipJSON(filepath.Join("beats_schemas", "v"+v+".json.gz"), &s); err != nil {
		return nil, "", fmt.Errorf("schemas: beats %s: %w", v, err)
	}
	r.beats[v] = s
	return s, v, nil
}

// indexFields returns the non-ECS fields that non-ecs-schema.json gives
// index pattern index (and, for a cross-cluster pattern "cluster:logs-*",
// the pattern without its cluster), flattened, as detection-rules'
// ecs.get_index_schema does. Call with r.mu held.
func (r *Repo) indexFields(index string) (map[string]string, error) {
	if r.nonECS == nil {
		r.nonECS = map[string]any{}
		if err := r.readGzipJSON("non-ecs-schema.json", &r.nonECS); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("schemas: %w", err)
		}
	}
	if f, ok := r.indexes[index]; ok {
		return f, nil
	}
	out := map[string]string{}
	flattenJSON(r.nonECS[index], "", out)
	if _, after, ok := strings.Cut(strings.ReplaceAll(index, "::", ":"), ":"); ok {
		flattenJSON(r.nonECS[after], "", out)
	}
	if r.indexes == nil {
		r.indexes = map[string]map[string]string{}
	}
	r.indexes[index] = out
	return out, nil
}

// endpointFields returns the fields of etc/endpoint_schemas/*.json.gz, the
// schemas detection-rules adds to every KQL schema. Call with r.mu held.
func (r *Repo) endpointFields() (map[string]string, error) {
	if r.endpoint != nil {
		return r.endpoint, nil
	}
	r.endpoint = map[string]string{}
	names, _ := filepath.Glob(filepath.Join(r.etc, "endpoint_schemas", "*.json.gz"))
	slices.Sort(names)
	for _, n := range names {
		var v any
		if err := r.readGzipJSON(filepath.Join("endpoint_schemas", filepath.Base(n)), &v); err != nil {
			return nil, fmt.Errorf("schemas: %w", err)
		}
		flattenJSON(v, "", r.endpoint)
	}
	return r.endpoint, nil
}

// flattenJSON adds the leaves of a nested {"a": {"b": "keyword"}} object
// to out as "a.b": "keyword" (detection-rules' ecs.flatten).
func flattenJSON(v any, prefix string, out map[string]string) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	for k, x := range m {
		switch x := x.(type) {
		case map[string]any:
			flattenJSON(x, prefix+k+".", out)
		case string:
			out[prefix+k] = x
		}
	}
}

// loadIntegrations reads the integration manifests and schemas (the
// schemas package by package, each version decoded when used). Call with
// r.mu held.
func (r *Repo) loadIntegrations() error {
	if r.manifests != nil {
		return nil
	}
	var m map[string]map[string]manifest
	if err := r.readGzipJSON("integration-manifests.json.gz", &m); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("schemas: %w", err)
	}
	var raw map[string]map[string]json.RawMessage
	if err := r.readGzipJSON("integration-schemas.json.gz", &raw); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("schemas: %w", err)
	}
	if m == nil {
		m = map[string]map[string]manifest{}
	}
	r.manifests, r.integ = m, raw
	return nil
}

// dataStreams returns the data streams (name → field → type) of an
// integration package version of the integration schemas. Call with r.mu
// held.
func (r *Repo) dataStreams(pkg, ver string) (map[string]map[string]string, error) {
	key := pkg + "@" + ver
	if s, ok := r.streams[key]; ok {
		return s, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.integ[pkg][ver], &raw); err != nil {
		return nil, fmt.Errorf("schemas: integration-schemas.json.gz: %s %s: %w", pkg, ver, err)
	}
	s := make(map[string]map[string]string, len(raw))
	for ds, data := range raw {
		if ds == "jobs" {
			continue // machine learning jobs, not fields
		}
		var fields any
		if err := json.Unmarshal(data, &fields); err != nil {
			return nil, fmt.Errorf("schemas: integration-schemas.json.gz: %s %s %s: %w", pkg, ver, ds, err)
		}
		m := map[string]string{}
		flattenJSON(fields, "", m)
		s[ds] = m
	}
	r.streams[key] = s
	return s, nil
}
