package web

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// apiRoute describes one JSON API operation. The OpenAPI document is built
// from these descriptions, the same ones that register the handlers, so the
// two cannot drift apart.
type apiRoute struct {
	Method, Path string
	Summary      string
	Tag          string
	Auth         string // "", "citizen", "official", "apikey"
	Query        []param
	Request      any // a value of the request body type, or nil
	Response     any // a value of the response body type, or nil
	Status       int // success status; 200 when 0
}

type param struct {
	Name, Description string
	Required          bool
}

// handleAPI registers an API route and remembers it for the document.
func (s *Server) handleAPI(rt apiRoute, h handlerFunc) {
	s.api = append(s.api, rt)
	s.mux.Handle(rt.Method+" "+rt.Path, s.serve(h))
}

// openAPI returns the OpenAPI 3.1 document of the API.
func (s *Server) openAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range s.api {
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		item[strings.ToLower(rt.Method)] = rt.operation()
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "PC-Covid API",
			"version":     "1",
			"description": "The JSON API of PC-Covid, Vietnam's one platform for the COVID-19 response. Errors are {\"error\": {code, field, message, message_vi, message_en, request_id}}.",
		},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"citizen":  map[string]any{"type": "http", "scheme": "bearer", "description": "session token from /api/v1/auth/verify"},
				"official": map[string]any{"type": "http", "scheme": "bearer", "description": "session token from /api/v1/console/login"},
				"apikey":   map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "facility API key"},
			},
			"schemas": map[string]any{"Error": schemaOf(reflect.TypeOf(apiError{}))},
		},
	}
}

func (rt apiRoute) operation() map[string]any {
	op := map[string]any{"summary": rt.Summary, "tags": []string{rt.Tag}}
	if rt.Auth != "" {
		op["security"] = []any{map[string]any{rt.Auth: []string{}}}
	}
	var params []any
	for _, seg := range strings.Split(rt.Path, "/") {
		if strings.HasPrefix(seg, "{") {
			name := strings.Trim(seg, "{}.")
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
	}
	for _, q := range rt.Query {
		params = append(params, map[string]any{"name": q.Name, "in": "query", "required": q.Required,
			"description": q.Description, "schema": map[string]any{"type": "string"}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.Request != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.Request))}}}
	}
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	if rt.Response != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.Response))}}
	}
	errResp := map[string]any{"description": "error", "content": map[string]any{
		"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	op["responses"] = map[string]any{strconv.Itoa(status): ok, "default": errResp}
	return op
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf derives a JSON Schema from a Go type the way encoding/json
// would marshal it.
func schemaOf(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return map[string]any{"type": "string", "contentEncoding": "base64"}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case t.Kind() == reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case t.Kind() == reflect.Struct:
		return structSchema(t)
	}
	return map[string]any{}
}

func structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			for k, v := range structSchema(f.Type)["properties"].(map[string]any) {
				props[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := schemaOf(f.Type)
		if d := f.Tag.Get("doc"); d != "" {
			s["description"] = d
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			required = append(required, name)
		}
	}
	out := map[string]any{"type": "object", "properties": props}
	if required != nil {
		out["required"] = required
	}
	return out
}
