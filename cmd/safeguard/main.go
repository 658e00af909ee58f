// Command safeguard is the Safeguard server and its command-line tools.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Env is what a command may touch of the outside world, so tests can run
// commands in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// command is one subcommand. run returns an error for bad input or failure;
// main prints it on one line and exits non-zero.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

var commands = map[string]command{}

// register adds a subcommand; each command's file calls it from init.
func register(c command) { commands[c.name] = c }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	err := Run(ctx, env, os.Args[1:])
	stop()
	if err != nil {
		if err != errHelp {
			fmt.Fprintln(os.Stderr, "safeguard: "+oneLine(err.Error()))
		}
		os.Exit(exitCode(err))
	}
}

// Run runs the subcommand named by args[0].
func Run(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return fmt.Errorf("no command given")
		}
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q (run safeguard --help)", args[0])
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Safeguard: triage and coordination for child-protection investigation units.")
	fmt.Fprintln(w, "\nUsage: safeguard COMMAND [flags] [args]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'safeguard COMMAND --help' for a command's flags.")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
