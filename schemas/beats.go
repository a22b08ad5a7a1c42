package schemas

import "strings"

// child returns m[keys[0]][keys[1]]... of a decoded JSON tree, or nil.
func child(m any, keys ...string) any {
	for _, k := range keys {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[k]
	}
	return m
}

// beatsFields adds to out the Beats fields that detection-rules'
// beats.get_schema_from_datasets gives the query: for each beat, its root
// fields (fields.yml and fields.common.yml), and the fields of each module
// the query names with event.module (or, when it names none, the module
// of each data set it names, "aws" for "aws.cloudtrail"): the data sets'
// fields, all of the module's data sets when the query names none, and
// the module's own fields. A beat or module the schema lacks adds nothing.
func beatsFields(tree map[string]any, beats, datasets, modules []string, out map[string]string) {
	if len(modules) == 0 {
		for _, d := range datasets {
			if m, _, ok := strings.Cut(d, "."); ok {
				modules = append(modules, m)
			}
		}
	}
	for _, beat := range beats {
		dir, ok := tree[beat]
		if !ok {
			continue
		}
		fieldFiles(dir, "", out)
		for _, module := range modules {
			module = strings.Trim(module, "\"' ")
			mdir := child(dir, "folders", "module", "folders", module)
			ds := datasets
			if len(ds) == 0 {
				folders, _ := child(mdir, "folders").(map[string]any)
				for d := range folders {
					if !strings.HasPrefix(d, "_") {
						ds = append(ds, d)
					}
				}
			}
			for _, d := range ds {
				d = strings.Trim(d, "\"' ")
				d = strings.TrimPrefix(d, module+".")
				fieldFiles(child(mdir, "folders", d), module+".", out)
			}
			fieldFiles(mdir, "", out)
		}
	}
}

// fieldFiles adds the fields of a Beats folder's _meta/fields.yml and
// _meta/fields.common.yml (detection-rules' beats.get_field_schema).
func fieldFiles(dir any, prefix string, out map[string]string) {
	files := child(dir, "folders", "_meta", "files")
	for _, name := range []string{"fields.yml", "fields.common.yml"} {
		if list, ok := child(files, name).([]any); ok {
			flattenBeats(list, prefix, out)
		}
	}
}

// flattenBeats flattens a Beats fields.yml tree into out, as
// detection-rules' beats._flatten_schema and ecs.flatten_multi_fields do:
// groups join their name to the prefix (a lone group whose name repeats
// the prefix does not), a field without a type is a keyword, and each
// multi-field is a field of its own.
func flattenBeats(list []any, prefix string, out map[string]string) {
	for _, e := range list {
		s, ok := e.(map[string]any)
		if !ok {
			continue
		}
		name, _ := s["name"].(string)
		typ, _ := s["type"].(string)
		sub, hasFields := s["fields"]
		switch {
		case typ == "group":
			nested := prefix + name + "."
			if len(list) == 1 && strings.HasPrefix(nested, prefix+prefix) {
				nested = name + "."
			}
			if f, ok := s["field"]; ok {
				l, _ := f.([]any)
				flattenBeats(l, nested, out)
				continue
			}
			l, _ := sub.([]any)
			flattenBeats(l, nested, out)
		case hasFields:
			l, _ := sub.([]any)
			if name != "" && typ == "nested" {
				flattenBeats(l, prefix+name+".", out)
			} else {
				flattenBeats(l, prefix, out)
			}
		case name != "":
			if typ == "" {
				typ = "keyword"
			}
			out[prefix+name] = typ
			if mf, ok := s["multi_fields"].([]any); ok {
				for _, m := range mf {
					mn, _ := child(m, "name").(string)
					mt, _ := child(m, "type").(string)
					if mn != "" {
						out[prefix+name+"."+mn] = mt
					}
				}
			}
		}
	}
}
