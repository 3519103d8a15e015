// Package mailtest is a minimal SMTP server on a loopback port for tests:
// it accepts every message and keeps its recipients, subject and body, so a
// test can read what the server really sent over SMTP.
package mailtest

import (
	"bufio"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// Mail is one message as received, once per recipient.
type Mail struct{ To, Subject, Body string }

// Sink is the server. Addr is its host:port.
type Sink struct {
	Addr string
	mu   sync.Mutex
	got  []Mail
}

// New starts a sink, stopped when the test ends.
func New(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Sink{Addr: ln.Addr().String()}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *Sink) serve(conn net.Conn) {
	defer func() { _ = conn.Close() }() // the client's session is over either way
	tp := textproto.NewConn(conn)
	reply := func(code int, msg string) bool { return tp.PrintfLine("%d %s", code, msg) == nil }
	if !reply(220, "sink ready") {
		return
	}
	var to []string
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		switch strings.ToUpper(strings.SplitN(line, " ", 2)[0]) {
		case "EHLO", "HELO":
			reply(250, "sink")
		case "MAIL":
			to = nil
			reply(250, "ok")
		case "RCPT":
			addr := strings.TrimSuffix(strings.TrimPrefix(line[strings.Index(line, ":")+1:], "<"), ">")
			to = append(to, addr)
			reply(250, "ok")
		case "DATA":
			reply(354, "go on")
			subject, body := read(bufio.NewReader(tp.DotReader()))
			s.mu.Lock()
			for _, a := range to {
				s.got = append(s.got, Mail{To: a, Subject: subject, Body: body})
			}
			s.mu.Unlock()
			reply(250, "queued")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(250, "ok")
		}
	}
}

// read returns a message's subject and everything after its header.
func read(r *bufio.Reader) (subject, body string) {
	var b strings.Builder
	inBody := false
	for {
		l, err := r.ReadString('\n')
		switch {
		case inBody:
			b.WriteString(l)
		case strings.HasPrefix(l, "Subject: ") && subject == "":
			subject = strings.TrimSpace(strings.TrimPrefix(l, "Subject: "))
		case strings.TrimSpace(l) == "":
			inBody = true
		}
		if err != nil {
			return subject, b.String()
		}
	}
}

// Mails returns what the sink received so far.
func (s *Sink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.got...)
}
