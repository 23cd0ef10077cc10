package tracing

// SetInterrupt makes runs stop with an error at a named stage ("found",
// "slice", "persisted"), so tests can interrupt a run part-way.
func (s *Service) SetInterrupt(fn func(stage string) error) { s.interrupt = fn }
