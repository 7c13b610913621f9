package transfer

// SetCrash makes the service call fn at each step of a move; an error returned by fn
// aborts the run there, as a crash would.
func SetCrash(s *Service, fn func(step string) error) { s.crash = fn }
