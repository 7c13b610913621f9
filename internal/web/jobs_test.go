package web_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

// TestJobsPageListsRegisteredJobs: the jobs page has a button for every job the
// application registered, worded in French and in English from the job's label
// (jobs.job.<name>): a job registered without a label fails here.
func TestJobsPageListsRegisteredJobs(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	root := s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin})
	c := s.Browser()
	login(t, s, c, root)
	registered := s.App.Jobs.Jobs()
	if len(registered) < 2 {
		t.Fatalf("%d jobs registered", len(registered))
	}
	for _, l := range []string{"fr", "en"} {
		fetch(t, c, "GET", s.URL+"/lang/"+l+"?back=/admin/jobs", nil)
		p := fetch(t, c, "GET", s.URL+"/admin/jobs", nil)
		if p.status != 200 {
			t.Fatalf("%s: jobs page %d", l, p.status)
		}
		buttons := regexp.MustCompile(`(?s)<form method="post" action="/admin/jobs/([a-z0-9_]+)">.*?<button type="submit"( class="danger")?>(.*?)</button>`).FindAllStringSubmatch(p.body, -1)
		if len(buttons) != len(registered) {
			t.Fatalf("%s: %d buttons for %d jobs\n%s", l, len(buttons), len(registered), p.body)
		}
		for i, j := range registered {
			name, danger, text := buttons[i][1], buttons[i][2] != "", html.UnescapeString(buttons[i][3])
			if name != j.Name || danger != j.Deletes {
				t.Errorf("%s: button %d runs %q (danger %v), want %q (%v)", l, i, name, danger, j.Name, j.Deletes)
			}
			if strings.Contains(text, "jobs.") || !strings.Contains(text, ": ") || strings.HasSuffix(text, ": ") {
				t.Errorf("%s: the button of %q says %q: is jobs.job.%s in the catalogue?", l, j.Name, text, j.Name)
			}
		}
	}
}
