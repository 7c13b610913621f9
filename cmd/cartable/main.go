// Command cartable is the student-records platform: one binary for the server and its
// maintenance commands. Run `cartable` without arguments for the list of commands.
package main

import (
	"os"
	_ "time/tzdata" // Europe/Paris on hosts without a zoneinfo database

	"github.com/cartable/cartable/internal/cli"
)

func main() {
	os.Exit(cli.Main(cli.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
