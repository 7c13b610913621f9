package ssotest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// User is a person both test servers know, with the same login and password.
type User struct {
	Login       string
	Password    string
	GivenName   string
	Surname     string
	Mail        string
	Affiliation []string // eduPersonAffiliation: student, teacher, staff…
}

// Users are the people of the test servers. The CAS server releases uid, mail,
// givenName, sn and eduPersonAffiliation; Hydra's ID tokens carry sub (the login),
// email, email_verified, given_name, family_name, preferred_username and
// eduPersonAffiliation.
var Users = []User{
	{Login: "eleve1", Password: "secret-eleve1", GivenName: "Élodie", Surname: "Martin", Mail: "elodie.martin@ac-test.fr", Affiliation: []string{"student"}},
	{Login: "eleve2", Password: "secret-eleve2", GivenName: "Noé", Surname: "Lefèvre", Mail: "noe.lefevre@ac-test.fr", Affiliation: []string{"student"}},
	{Login: "prof1", Password: "secret-prof1", GivenName: "Paul", Surname: "Durand", Mail: "paul.durand@ac-test.fr", Affiliation: []string{"teacher", "staff"}},
	{Login: "admin1", Password: "secret-admin1", GivenName: "Anne", Surname: "Roux", Mail: "anne.roux@ac-test.fr", Affiliation: []string{"staff"}},
}

// UserByLogin returns the user of login (nil when none).
func UserByLogin(login string) *User {
	for i := range Users {
		if Users[i].Login == login {
			return &Users[i]
		}
	}
	return nil
}

// casFixture is the Django fixture of the CAS server: the users (with groups for their
// affiliations), one service pattern accepting any service on 127.0.0.1 or localhost
// with single logout, and the attributes it releases. django-cas-server releases only
// the attributes named in replaceattributname rows (a user model holds its password
// hash too: never release "*").
func casFixture() ([]byte, error) {
	var objs []map[string]any
	groups := map[string]int{}
	for _, u := range Users {
		for _, a := range u.Affiliation {
			if groups[a] == 0 {
				groups[a] = len(groups) + 1
				objs = append(objs, map[string]any{"model": "auth.group", "pk": groups[a],
					"fields": map[string]any{"name": a, "permissions": []any{}}})
			}
		}
	}
	for i, u := range Users {
		var gs []int
		for _, a := range u.Affiliation {
			gs = append(gs, groups[a])
		}
		// Django's MD5PasswordHasher ("md5$salt$hex(md5(salt+password))"): fast, and
		// these are test users only.
		salt := fmt.Sprintf("s%d", i+1)
		sum := md5.Sum([]byte(salt + u.Password))
		objs = append(objs, map[string]any{"model": "auth.user", "pk": i + 1, "fields": map[string]any{
			"username": u.Login, "password": "md5$" + salt + "$" + hex.EncodeToString(sum[:]),
			"first_name": u.GivenName, "last_name": u.Surname, "email": u.Mail,
			"is_active": true, "is_staff": false, "is_superuser": false,
			"date_joined": "2026-01-01T00:00:00Z", "groups": gs, "user_permissions": []any{}}})
	}
	objs = append(objs, map[string]any{"model": "cas_server.servicepattern", "pk": 1, "fields": map[string]any{
		"pos": 100, "name": "cartable-tests", "pattern": `^https?://(127\.0\.0\.1|localhost)(:[0-9]+)?/.*$`,
		"user_field": "", "restrict_users": false, "proxy": false, "proxy_callback": false,
		"single_log_out": true, "single_log_out_callback": ""}})
	for i, r := range [][2]string{{"username", "uid"}, {"email", "mail"}, {"first_name", "givenName"},
		{"last_name", "sn"}, {"groups", "eduPersonAffiliation"}} {
		objs = append(objs, map[string]any{"model": "cas_server.replaceattributname", "pk": i + 1,
			"fields": map[string]any{"name": r[0], "replace": r[1], "service_pattern": 1}})
	}
	return json.MarshalIndent(objs, "", " ")
}
