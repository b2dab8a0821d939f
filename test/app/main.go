// The real node's test application and pause image, one static binary (no libc, no shell in the
// image): called as /app it serves HTTP; called through the image's /bin links it is a tiny sh,
// cat, echo, env, sleep, true or false, so `kubectl exec ... -- sh` and `-- sleep infinity` work.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// version is set at build time (-X main.version=...); APP_VERSION (the image's config) overrides it,
// so two image tags of one binary answer differently.
var version = "dev"

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if name == "app" && len(args) > 0 && applets[args[0]] != nil {
		name, args = args[0], args[1:]
	}
	if run := applets[name]; run != nil {
		os.Exit(run(args))
	}
	os.Exit(serve(args))
}

var applets map[string]func([]string) int

func init() {
	applets = map[string]func([]string) int{
		"sh": shell, "cat": cat, "echo": echo, "env": env, "sleep": sleep, "pause": pause,
		"true": func([]string) int { return 0 }, "false": func([]string) int { return 1 },
		"exit":  func(a []string) int { n, _ := strconv.Atoi(first(a, "0")); return n },
		"write": write,
	}
}

func first(a []string, def string) string {
	if len(a) > 0 {
		return a[0]
	}
	return def
}

func appVersion() string {
	if v := os.Getenv("APP_VERSION"); v != "" {
		return v
	}
	return version
}

func logf(format string, a ...any) {
	fmt.Printf("%s %s\n", time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"), fmt.Sprintf(format, a...))
}

// serve: app [--version] [--listen :8080] [--term-delay 3s] [--read FILE]
func serve(args []string) int {
	listen, termDelay, read := ":8080", time.Duration(0), ""
	if v := os.Getenv("TERM_DELAY"); v != "" {
		termDelay, _ = time.ParseDuration(v)
	}
	if v := os.Getenv("LISTEN"); v != "" {
		listen = v
	}
	for i := 0; i < len(args); i++ {
		next := func() string { i++; return first(args[i:], "") }
		switch args[i] {
		case "--version":
			fmt.Println("app " + appVersion())
			return 0
		case "--listen":
			listen = next()
		case "--term-delay":
			termDelay, _ = time.ParseDuration(next())
		case "--read":
			read = next()
		default:
			fmt.Fprintf(os.Stderr, "app: unknown argument %q\n", args[i])
			return 2
		}
	}
	if read != "" {
		b, err := os.ReadFile(read)
		if err != nil {
			logf("read %s: %v", read, err)
			return 1
		}
		logf("read %s: %s", read, strings.TrimSpace(string(b)))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		host, _ := os.Hostname()
		fmt.Fprintf(w, "work done by %s (app %s)\n", host, appVersion())
	})
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logf("request %s %s from %s", r.Method, r.URL.Path, r.RemoteAddr)
		mux.ServeHTTP(w, r)
	})
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-signals
		logf("got %v, exiting in %v", s, termDelay)
		time.Sleep(termDelay)
		logf("bye")
		os.Exit(0)
	}()
	logf("app %s listening on %s", appVersion(), listen)
	if err := http.ListenAndServe(listen, logged); err != nil {
		logf("listen: %v", err)
		return 1
	}
	return 0
}

// pause: the pod sandbox's process; waits for a signal to end.
func pause([]string) int {
	s := make(chan os.Signal, 1)
	signal.Notify(s, syscall.SIGTERM, syscall.SIGINT)
	<-s
	return 0
}

func sleep(args []string) int {
	if a := first(args, "infinity"); a != "infinity" {
		secs, err := strconv.ParseFloat(a, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sleep: bad duration %q\n", a)
			return 2
		}
		time.Sleep(time.Duration(secs * float64(time.Second)))
		return 0
	}
	return pause(nil)
}

func cat(args []string) int {
	rc := 0
	for _, f := range args {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(os.Stderr, "cat: %v\n", err)
			rc = 1
			continue
		}
		os.Stdout.Write(b)
	}
	if len(args) == 0 {
		io.Copy(os.Stdout, os.Stdin)
	}
	return rc
}

func echo(args []string) int { fmt.Println(strings.Join(args, " ")); return 0 }

func env([]string) int {
	for _, e := range os.Environ() {
		fmt.Println(e)
	}
	return 0
}

// write FILE TEXT...: what an init container does for the main container to read.
func write(args []string) int {
	if len(args) < 1 {
		return 2
	}
	if err := os.WriteFile(args[0], []byte(strings.Join(args[1:], " ")+"\n"), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "write: %v\n", err)
		return 1
	}
	return 0
}

// shell: sh [-c 'CMD'] — one command per line (words split on blanks, no quoting, no pipes),
// applets run in-process; `exit [N]` ends it.
func shell(args []string) int {
	if len(args) >= 2 && args[0] == "-c" {
		return runLine(args[1])
	}
	in := bufio.NewScanner(os.Stdin)
	rc := 0
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words := strings.Fields(line)
		if words[0] == "exit" {
			n, _ := strconv.Atoi(first(words[1:], strconv.Itoa(rc)))
			return n
		}
		rc = runLine(line)
	}
	return rc
}

func runLine(line string) int {
	words := strings.Fields(line)
	if len(words) == 0 {
		return 0
	}
	for i, w := range words {
		words[i] = os.ExpandEnv(w)
	}
	if run := applets[filepath.Base(words[0])]; run != nil {
		return run(words[1:])
	}
	cmd := exec.Command(words[0], words[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if e, ok := err.(*exec.ExitError); ok {
			return e.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "sh: %v\n", err)
		return 127
	}
	return 0
}
