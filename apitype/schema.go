// Package apitype checks YAML trees against the Kubernetes API types of
// k8s.io/api, as the API server decodes what kubectl sends it: unknown
// fields (strict field validation, kubectl's default) and values of the
// wrong JSON type are refused before any admission webhook, Gatekeeper
// included, sees the object.
//
// The Go types are walked by reflection on their json tags once and kept
// as a small schema; custom-marshalled types (resource.Quantity,
// intstr.IntOrString, metav1.Time) are modelled by what their UnmarshalJSON
// accepts.
package apitype

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// kind is the JSON shape a Go type accepts.
type kind int

const (
	kObject kind = iota
	kMap
	kList
	kString
	kBool
	kInt
	kUint
	kFloat
	kQuantity
	kIntOrString
	kTime
	kBytes
	kAny
)

// schema is one Go type as JSON sees it.
type schema struct {
	kind kind
	name string // the Go type's name, for messages
	bits int    // kInt, kUint
	// fields of an object by JSON name; names sorted, for suggestions.
	fields map[string]*schema
	names  []string
	elem   *schema // kMap, kList
}

var (
	quantityType = reflect.TypeOf(resource.Quantity{})
	intOrStrType = reflect.TypeOf(intstr.IntOrString{})
	timeType     = reflect.TypeOf(metav1.Time{})
	microType    = reflect.TypeOf(metav1.MicroTime{})
	rawExtType   = reflect.TypeOf(runtime.RawExtension{})
	fieldsV1Type = reflect.TypeOf(metav1.FieldsV1{})
	unmarshaler  = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

// custom maps the custom-marshalled types to what their UnmarshalJSON
// accepts. Any other json.Unmarshaler reached by the walk is accepted as
// anything (kAny): a test lists what the walk reaches so that a new one in
// a later k8s.io/api is noticed.
var custom = map[reflect.Type]kind{
	quantityType: kQuantity,
	intOrStrType: kIntOrString,
	timeType:     kTime,
	microType:    kTime,
	rawExtType:   kAny,
	// managedFields' fieldsV1 holds any JSON object; a template has no
	// business carrying one, but the API server takes it.
	fieldsV1Type: kAny,
}

var (
	mu    sync.Mutex
	cache = map[reflect.Type]*schema{}
)

// schemaOf builds (once) the schema of t. Recursive types (JSONSchemaProps
// is one; none in a pod spec today) share the node being built.
func schemaOf(t reflect.Type) *schema {
	mu.Lock()
	defer mu.Unlock()
	return build(t)
}

func build(t reflect.Type) *schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s := cache[t]; s != nil {
		return s
	}
	s := &schema{name: t.Name()}
	cache[t] = s
	if k, ok := custom[t]; ok {
		s.kind = k
		return s
	}
	if t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler) {
		s.kind = kAny
		return s
	}
	switch t.Kind() {
	case reflect.Struct:
		s.kind = kObject
		s.fields = map[string]*schema{}
		addFields(s, t)
		for n := range s.fields {
			s.names = append(s.names, n)
		}
		sort.Strings(s.names)
	case reflect.Map:
		s.kind = kMap
		s.elem = build(t.Elem())
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			s.kind = kBytes // encoding/json reads []byte as base64 text
			break
		}
		s.kind = kList
		s.elem = build(t.Elem())
	case reflect.String:
		s.kind = kString
	case reflect.Bool:
		s.kind = kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s.kind, s.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s.kind, s.bits = kUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		s.kind = kFloat
	default:
		s.kind = kAny
	}
	return s
}

// addFields adds t's JSON fields to s, flattening embedded structs and
// `json:",inline"` fields as encoding/json does.
func addFields(s *schema, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		inline := strings.Contains(","+opts+",", ",inline,") || (f.Anonymous && name == "")
		if inline && ft.Kind() == reflect.Struct {
			addFields(s, ft)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := s.fields[name]; !dup {
			s.fields[name] = build(f.Type)
		}
	}
}

// APIVersion is the Kubernetes release whose types k8s.io/api v0.37.2
// holds; a field added later is unknown here, as it is to that API server.
const APIVersion = "1.37"

// The objects this package knows how to check.
var (
	PodSpec    = reflect.TypeOf(corev1.PodSpec{})
	ObjectMeta = reflect.TypeOf(metav1.ObjectMeta{})
)
