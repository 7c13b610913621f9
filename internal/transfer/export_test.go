package transfer

// SetCrash makes the service call fn at each step of a move; an error returned by fn
// aborts the run there, as a crash would.
func SetCrash(s *Service, fn func(step string) error) { s.crash = fn }

// Person is a name as the name rule compares it.
type Person struct{ Last, Usage, First, First2 string }

// NamesAgree is the name rule of a transfer match.
func NamesAgree(a, b Person) bool {
	return namesAgree(person{a.Last, a.Usage, a.First, a.First2}, person{b.Last, b.Usage, b.First, b.First2})
}
