package schemas

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
)

// Target is one schema a rule's query is validated against. As
// detection-rules' KQLValidator.validate does, a query must pass every
// target of its rule.
type Target struct {
	// Name says what the schema is made of, for messages, such as
	// "integration aws.cloudtrail 2.17.0, stack 9.5.0, ECS 9.5.0".
	Name string
	// Key identifies the schema: targets with equal keys have equal schemas.
	Key string
	// Schema holds the field types.
	Schema mapping.Schema
	// Missing lists the integration packages (or data streams) of the
	// rule that the checkout's integration schemas lack, each with the
	// reason. Their fields cannot be told from unknown ones: against a
	// target with Missing entries an unknown field is not an error.
	Missing []string
}

// nonDatasetPackages are detection-rules' definitions.NON_DATASET_PACKAGES:
// packages a rule's metadata integration names that its queries need not
// name by data set.
var nonDatasetPackages = []string{"apm", "auditd_manager", "cloud_defend", "corelight", "endpoint",
	"jamf_protect", "network_traffic", "pfsense", "system", "windows", "sentinel_one_cloud_funnel",
	"ti_rapid7_threat_command", "m365_defender", "panw", "crowdstrike"}

// mlPackages are detection-rules' definitions.MACHINE_LEARNING_PACKAGES,
// lowercased.
var mlPackages = []string{"lmd", "dga", "ded", "problemchild", "beaconing", "pad"}

// unknownStream is detection-rules' UNKNOWN_PACKAGE_INTEGRATION: a data set
// named by its package alone ("okta").
const unknownStream = "Unknown"

// pkgStream is one package, and data stream ("" for the whole package), a
// rule uses.
type pkgStream struct{ pkg, stream string }

// Targets returns the schemas that detection-rules validates a KQL rule's
// query against (detection_rules/rule_validators.py,
// KQLValidator.build_validation_plan), for each stack version from the
// rule's min_stack_version up to the checkout's package version:
//
//   - one integration target per stack version when the query names data
//     sets of known packages (event.dataset, data_stream.dataset), or the
//     rule's integration metadata names a package without data sets, and the
//     rule is in production: the union of those packages' fields, in the
//     newest package version compatible with the stack, with the stack's
//     ECS over them, plus the non-ECS fields of the rule's index patterns;
//   - one stack target per stack version when there is no such package, or
//     the index patterns hold Beats (filebeat-*...) or endgame-*: the
//     stack's ECS, the index patterns' non-ECS fields, and under them the
//     Beats fields of the modules and data sets the query names.
//
// Targets with equal schemas are returned once. nil means the rule's
// query is not validated against a schema: it is not KQL, it is
// deprecated, its metadata sets query_schema_validation = false, or no
// target applies (a package rule that is not in production).
// The query is parsed from the rule when x is nil.
func (r *Repo) Targets(rule *rules.Rule, x ast.Expr) ([]Target, error) {
	if !rule.IsKQL() || !validated(rule) {
		return nil, nil
	}
	if x == nil {
		var err error
		if x, err = kql.Parse(rule.Query); err != nil {
			return nil, fmt.Errorf("schemas: %w", err)
		}
	}
	datasets, modules := datasetsAndModules(x)
	return r.targets(rule, datasets, modules)
}

// EQLTargets returns the schemas that detection-rules validates an EQL
// rule's query against (detection_rules/rule_validators.py,
// EQLValidator.build_validation_plan): the targets [Repo.Targets] gives a
// KQL rule, the data sets and modules read from the EQL query's
// comparisons of event.dataset, data_stream.dataset and event.module with
// strings. The query is parsed from the rule when q is nil.
func (r *Repo) EQLTargets(rule *rules.Rule, q *eql.Query) ([]Target, error) {
	if !rule.IsEQL() || !validated(rule) {
		return nil, nil
	}
	if q == nil {
		var err error
		if q, err = eql.Parse(rule.Query); err != nil {
			return nil, fmt.Errorf("schemas: %w", err)
		}
	}
	datasets, modules := eqlDatasetsAndModules(q)
	return r.targets(rule, datasets, modules)
}

// validated reports whether detection-rules validates the rule's query
// against a schema: it has one, is not deprecated, and its metadata does
// not set query_schema_validation = false.
func validated(rule *rules.Rule) bool {
	if strings.TrimSpace(rule.Query) == "" || rule.Deprecated() {
		return false
	}
	v, ok := rule.Metadata.Extra["query_schema_validation"].(bool)
	return !ok || v
}

// targets is Targets for the data sets and modules of a query.
func (r *Repo) targets(rule *rules.Rule, datasets, modules []string) ([]Target, error) {
	stacks, err := r.stackVersions(rule.Metadata.MinStackVersion)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.loadIntegrations(); err != nil {
		return nil, err
	}
	pkgs := r.packagedIntegrations(rule, datasets)
	var out []Target
	seen := map[string]bool{}
	add := func(t Target, fields func() (map[string]string, error)) error {
		if seen[t.Key] {
			return nil
		}
		seen[t.Key] = true
		s, ok := r.built[t.Key]
		if !ok {
			f, err := fields()
			if err != nil {
				return err
			}
			s = make(mapping.Schema, len(f))
			for k, v := range f {
				s[k] = typeOf(v)
			}
			r.built[t.Key] = s
		}
		t.Schema = s
		out = append(out, t)
		return nil
	}
	if len(pkgs) > 0 && rule.Metadata.Maturity == rules.MaturityProduction {
		for _, st := range stacks {
			t, fields := r.integrationTarget(st, pkgs, rule.Index)
			if err := add(t, fields); err != nil {
				return nil, err
			}
		}
	}
	beats := beatTypes(rule.Index)
	if len(pkgs) == 0 || len(beats) > 0 || slices.Contains(rule.Index, "endgame-*") {
		for _, st := range stacks {
			t, fields := r.stackTarget(st, rule.Index, beats, datasets, modules)
			if err := add(t, fields); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// stackVersions returns the stack entries from min (a version, "" for
// all) up to the checkout's package version, newest first, as
// detection-rules' get_stack_schemas does; a min above the package version
// adds it with the newest schemas ("main" Beats, "master" ECS).
func (r *Repo) stackVersions(min string) ([]stackEntry, error) {
	var lo version
	if min != "" {
		var err error
		if lo, err = parseVersion(min); err != nil {
			return nil, fmt.Errorf("schemas: min_stack_version: %w", err)
		}
	}
	var out []stackEntry
	for _, s := range r.stacks {
		if s.stack.compare(lo) >= 0 && s.stack.compare(r.current) <= 0 {
			out = append(out, s)
		}
	}
	if lo.compare(r.current) > 0 {
		out = append(out, stackEntry{stack: lo, name: lo.String(), beats: "main", ecs: "master"})
	}
	slices.Reverse(out)
	return out, nil
}

// datasetsAndModules returns the string values the query gives
// event.dataset and data_stream.dataset, and event.module (detection-rules'
// beats.get_datasets_and_modules), sorted.
func datasetsAndModules(x ast.Expr) (datasets, modules []string) {
	for ref := range ast.Fields(x) {
		m, ok := ref.Node.(*ast.MatchExpr)
		if !ok {
			continue
		}
		var dst *[]string
		switch ref.Name() {
		case "event.dataset", "data_stream.dataset":
			dst = &datasets
		case "event.module":
			dst = &modules
		default:
			continue
		}
		var walk func(ast.Value)
		walk = func(v ast.Value) {
			switch v := v.(type) {
			case *ast.Literal:
				if v.Kind == ast.String && !slices.Contains(*dst, v.Text) {
					*dst = append(*dst, v.Text)
				}
			case *ast.OrValue:
				for _, a := range v.Args {
					walk(a)
				}
			case *ast.AndValue:
				for _, a := range v.Args {
					walk(a)
				}
			case *ast.NotValue:
				walk(v.X)
			}
		}
		walk(m.Value)
	}
	slices.Sort(datasets)
	slices.Sort(modules)
	return datasets, modules
}

// eqlDatasetsAndModules is datasetsAndModules for an EQL query: the
// strings that ==, :, in and their case-insensitive forms compare
// event.dataset, data_stream.dataset and event.module with.
func eqlDatasetsAndModules(q *eql.Query) (datasets, modules []string) {
	add := func(f eql.Expr, lits []eql.Expr) {
		fd, ok := f.(*eql.Field)
		if !ok {
			return
		}
		var dst *[]string
		switch fd.Name {
		case "event.dataset", "data_stream.dataset":
			dst = &datasets
		case "event.module":
			dst = &modules
		default:
			return
		}
		for _, l := range lits {
			if l, ok := l.(*eql.Literal); ok && l.Kind == eql.String && !slices.Contains(*dst, l.Str) {
				*dst = append(*dst, l.Str)
			}
		}
	}
	eql.Inspect(q, func(n eql.Node) bool {
		switch n := n.(type) {
		case *eql.Binary:
			if n.Op == eql.OpEq {
				add(n.X, []eql.Expr{n.Y})
				add(n.Y, []eql.Expr{n.X})
			}
		case *eql.In:
			add(n.X, n.List)
		case *eql.Match:
			if n.Op == eql.Seq {
				lits := make([]eql.Expr, len(n.Patterns))
				for i, p := range n.Patterns {
					lits[i] = p
				}
				add(n.X, lits)
			}
		}
		return true
	})
	slices.Sort(datasets)
	slices.Sort(modules)
	return datasets, modules
}

// packagedIntegrations returns the packages and data streams the rule
// uses, as detection-rules' TOMLRuleContents.get_packaged_integrations
// does: the metadata's integration packages that need no data set (and
// machine learning packages) unless a data set of the query names them,
// then each data set of the query whose package has a manifest. Without
// integration metadata, the packages of related_integrations are taken. Call with
// r.mu held.
func (r *Repo) packagedIntegrations(rule *rules.Rule, datasets []string) []pkgStream {
	var out []pkgStream
	needed := func(pkg string) bool {
		for _, d := range datasets {
			if d == pkg || strings.HasPrefix(d, pkg+".") {
				return false
			}
		}
		return true
	}
	integrations := rule.Metadata.Integration
	if len(integrations) == 0 {
		integrations = relatedPackages(rule)
	}
	for _, p := range integrations {
		switch {
		case rule.Type == rules.TypeMachineLearning:
			out = append(out, pkgStream{pkg: p})
		case slices.Contains(nonDatasetPackages, p):
			if needed(p) {
				out = append(out, pkgStream{pkg: p})
			}
		case slices.Contains(mlPackages, strings.ToLower(p)):
			out = append(out, pkgStream{pkg: p})
		}
	}
	for _, d := range datasets {
		pkg, stream, ok := strings.Cut(strings.Trim(d, `"`), ".")
		if !ok {
			stream = unknownStream
		} else if pkg == "endpoint" && strings.Contains(stream, "events") {
			if _, s, ok := strings.Cut(stream, "."); ok {
				stream = s // endpoint.events.network is endpoint's network
			}
		}
		if _, ok := r.manifests[pkg]; ok {
			out = append(out, pkgStream{pkg: pkg, stream: stream})
		}
	}
	return out
}

// relatedPackages returns the packages of the rule's
// related_integrations, which detection-rules takes when the metadata
// names no integration.
func relatedPackages(rule *rules.Rule) []string {
	var out []string
	list, _ := rule.Extra["related_integrations"].([]any)
	for _, x := range list {
		if p, ok := child(x, "package").(string); ok && p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// beatTypes returns the Beats an index pattern list reads
// ("winlogbeat-*" → winlogbeat), as detection-rules'
// beats.parse_beats_from_index.
func beatTypes(indices []string) []string {
	var out []string
	for _, idx := range indices {
		if !strings.Contains(idx, "beat-*") {
			continue
		}
		last := strings.ReplaceAll(idx, "::", ":")
		if _, after, ok := strings.Cut(last, ":"); ok {
			last = after
		}
		b, _, _ := strings.Cut(last, "-")
		out = append(out, b)
	}
	return out
}

// integrationTarget describes the integration target of one stack
// version and returns a function building its fields. Call with r.mu held.
func (r *Repo) integrationTarget(st stackEntry, pkgs []pkgStream, indices []string) (Target, func() (map[string]string, error)) {
	ecsVer := pick(st.ecs, r.available("ecs_schemas", func(n string) (string, bool) { return n, true }))
	min := st.stack
	min[2] = max(min[2], r.patchFloor(pkgs, st.stack))
	var names, keys, missing []string
	var found []resolved
	for _, p := range pkgs {
		res := r.resolve(p, min)
		label := p.pkg
		if p.stream != "" && p.stream != unknownStream {
			label += "." + p.stream
		}
		if res.why != "" {
			missing = append(missing, label+" ("+res.why+")")
			keys = append(keys, label+"@?")
			continue
		}
		found = append(found, res)
		names = append(names, label+" "+res.ver)
		keys = append(keys, label+"@"+res.ver)
	}
	name := "integration " + strings.Join(names, ", ")
	if len(names) == 0 {
		name = "integration (none found)"
	}
	t := Target{
		Name:    fmt.Sprintf("%s; stack %s, ECS %s", name, st.name, ecsVer),
		Key:     fmt.Sprintf("integration|ecs %s|%s|%s", ecsVer, strings.Join(keys, ","), strings.Join(r.schemaIndices(indices), ",")),
		Missing: missing,
	}
	return t, func() (map[string]string, error) {
		ecs, _, err := r.ecsFields(st.ecs)
		if err != nil {
			return nil, err
		}
		fields := map[string]string{}
		for _, res := range found {
			maps.Copy(fields, res.fields)
		}
		maps.Copy(fields, ecs) // ECS over the packages' fields
		extra, err := r.indexAndEndpoint(indices)
		if err != nil {
			return nil, err
		}
		maps.Copy(fields, extra)
		return fields, nil
	}
}

// schemaIndices returns the index patterns that non-ecs-schema.json gives
// fields, the only ones that change a schema. Call with r.mu held.
func (r *Repo) schemaIndices(indices []string) []string {
	var out []string
	for _, idx := range indices {
		if f, err := r.indexFields(idx); err == nil && len(f) > 0 {
			out = append(out, idx)
		}
	}
	return out
}

// resolved is a package (or data stream) resolved for a stack version.
type resolved struct {
	fields   map[string]string
	ver, why string
}

// resolve returns packageFields(p, stack), remembered. Call with r.mu held.
func (r *Repo) resolve(p pkgStream, stack version) resolved {
	key := p.pkg + "|" + p.stream + "|" + stack.String()
	if res, ok := r.resolved[key]; ok {
		return res
	}
	f, ver, why := r.packageFields(p, stack)
	res := resolved{f, ver, why}
	if r.resolved == nil {
		r.resolved = map[string]resolved{}
	}
	r.resolved[key] = res
	return res
}

// indexAndEndpoint returns the non-ECS fields of the index patterns and
// the endpoint schemas. Call with r.mu held.
func (r *Repo) indexAndEndpoint(indices []string) (map[string]string, error) {
	out := map[string]string{}
	for _, idx := range indices {
		f, err := r.indexFields(idx)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, f)
	}
	ep, err := r.endpointFields()
	if err != nil {
		return nil, err
	}
	maps.Copy(out, ep)
	return out, nil
}

// patchFloor is detection-rules' find_latest_integration_patch_for_minor:
// the highest patch that the newest version of any of the packages
// requires for the stack's major.minor. Call with r.mu held.
func (r *Repo) patchFloor(pkgs []pkgStream, stack version) int {
	floor := 0
	for _, p := range pkgs {
		key := p.pkg + "|" + stack.String()
		if f, ok := r.floors[key]; ok {
			floor = max(floor, f)
			continue
		}
		var newest version
		newestPatch, found := 0, false
		for v, m := range r.manifests[p.pkg] {
			clauses, err := parseKibanaRange(m.Conditions.Kibana.Version)
			if err != nil {
				continue
			}
			patch, ok := 0, false
			for _, c := range clauses {
				if c.lo[0] == stack[0] && c.lo[1] == stack[1] {
					patch, ok = max(patch, c.lo[2]), true
				}
			}
			pv, err := parseVersion(v)
			if !ok || err != nil {
				continue
			}
			if !found || pv.compare(newest) > 0 {
				newest, newestPatch, found = pv, patch, true
			}
		}
		if r.floors == nil {
			r.floors = map[string]int{}
		}
		r.floors[key] = newestPatch
		floor = max(floor, newestPatch)
	}
	return floor
}

// packageFields returns the fields of a package (one data stream, or all
// of them) in the newest version whose Kibana condition the stack meets,
// as detection-rules' find_latest_compatible_version and
// collect_schema_fields choose it, and the version. When the checkout's
// integration schemas lack that version (they are older than the
// manifests), the newest older version they hold that has the data
// stream is taken. why says why there are no fields: the package or its
// data stream is not in the integration schemas, or no version fits the
// stack. Call with r.mu held.
func (r *Repo) packageFields(p pkgStream, stack version) (fields map[string]string, ver, why string) {
	man, ok := r.manifests[p.pkg]
	if !ok {
		return nil, "", "no manifest"
	}
	schemas, ok := r.integ[p.pkg]
	if !ok {
		return nil, "", "not in integration-schemas.json.gz"
	}
	stream := p.stream
	if stream == unknownStream {
		stream = ""
	}
	hasStream := func(v string) bool {
		if stream == "" {
			return true
		}
		ds, err := r.dataStreams(p.pkg, v)
		return err == nil && ds[stream] != nil
	}
	versions := r.sortedVersions("manifest "+p.pkg, man)
	for _, v := range versions {
		clauses, err := parseKibanaRange(man[v].Conditions.Kibana.Version)
		if err != nil || !satisfies(stack, clauses) {
			continue
		}
		if _, ok := schemas[v]; ok && !hasStream(v) {
			continue
		}
		ver = v
		break
	}
	if ver == "" {
		return nil, "", "no version for stack " + stack.String()
	}
	if _, ok := schemas[ver]; !ok {
		want, _ := parseVersion(ver)
		ver = ""
		for _, v := range r.sortedVersions("schemas "+p.pkg, schemas) {
			if pv, err := parseVersion(v); err == nil && pv.compare(want) <= 0 && hasStream(v) {
				ver = v
				break
			}
		}
		if ver == "" {
			return nil, "", "no version in integration-schemas.json.gz"
		}
	}
	ds, err := r.dataStreams(p.pkg, ver)
	if err != nil {
		return nil, "", err.Error()
	}
	if stream != "" {
		if ds[stream] == nil {
			return nil, "", "no data stream " + stream + " in " + ver
		}
		return ds[stream], ver, ""
	}
	fields = map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(ds)) {
		maps.Copy(fields, ds[name])
	}
	return fields, ver, ""
}

func byVersionDesc(a, b string) int {
	va, _ := parseVersion(a)
	vb, _ := parseVersion(b)
	if c := vb.compare(va); c != 0 {
		return c
	}
	return strings.Compare(b, a)
}

// stackTarget describes the stack target of one stack version and returns
// a function building its fields. Call with r.mu held.
func (r *Repo) stackTarget(st stackEntry, indices, beats, datasets, modules []string) (Target, func() (map[string]string, error)) {
	ecsVer := pick(st.ecs, r.available("ecs_schemas", func(n string) (string, bool) { return n, true }))
	beatsVer := r.beatsVersion(st.beats)
	name := fmt.Sprintf("stack %s, ECS %s", st.name, ecsVer)
	if len(beats) > 0 {
		name += ", beats " + strings.Join(beats, " ")
	}
	bkey := ""
	if len(beats) > 0 {
		bkey = fmt.Sprintf("%s %s|%s|%s", beatsVer, strings.Join(beats, ","), strings.Join(datasets, ","), strings.Join(modules, ","))
	}
	key := fmt.Sprintf("stack|ecs %s|beats %s|%s", ecsVer, bkey, strings.Join(r.schemaIndices(indices), ","))
	return Target{Name: name, Key: key}, func() (map[string]string, error) {
		fields := map[string]string{}
		if len(beats) > 0 {
			tree, _, err := r.beatsSchema(beatsVer)
			if err != nil {
				return nil, err
			}
			beatsFields(tree, beats, datasets, modules, fields)
		}
		ecs, _, err := r.ecsFields(st.ecs)
		if err != nil {
			return nil, err
		}
		maps.Copy(fields, ecs) // ECS over Beats
		extra, err := r.indexAndEndpoint(indices)
		if err != nil {
			return nil, err
		}
		maps.Copy(fields, extra)
		return fields, nil
	}
}

// sortedVersions returns the keys of m, versions, newest first,
// remembered under key. Call with r.mu held.
func (r *Repo) sortedVersions(key string, m any) []string {
	if vs, ok := r.sorted[key]; ok {
		return vs
	}
	var vs []string
	switch m := m.(type) {
	case map[string]manifest:
		vs = slices.Collect(maps.Keys(m))
	case map[string]json.RawMessage:
		vs = slices.Collect(maps.Keys(m))
	}
	slices.SortFunc(vs, byVersionDesc)
	if r.sorted == nil {
		r.sorted = map[string][]string{}
	}
	r.sorted[key] = vs
	return vs
}

// typeOf maps an Elasticsearch type name to a field type as
// detection-rules' kql package does (any named type makes the field
// known): a type kqlrules does not model (alias, range types...) is taken
// as keyword, which accepts any value.
func typeOf(name string) mapping.Type {
	if t, ok := mapping.ParseType(name); ok {
		return t
	}
	return mapping.Keyword
}
