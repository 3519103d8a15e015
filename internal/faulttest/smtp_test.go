package faulttest

import (
	"bufio"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// mailSink is a minimal SMTP server on a loopback port that accepts every
// message and keeps its recipient and subject, so a test can count what
// the delivery workers sent.
type mailSink struct {
	Addr string
	mu   sync.Mutex
	got  []sentMail
}

type sentMail struct{ To, Subject string }

func newMailSink(t *testing.T) *mailSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &mailSink{Addr: ln.Addr().String()}
	t.Cleanup(func() { ln.Close() })
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

func (s *mailSink) serve(conn net.Conn) {
	defer conn.Close()
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
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
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
			r := bufio.NewReader(tp.DotReader())
			subject := ""
			for {
				l, err := r.ReadString('\n')
				if strings.HasPrefix(l, "Subject: ") && subject == "" {
					subject = strings.TrimSpace(strings.TrimPrefix(l, "Subject: "))
				}
				if err != nil {
					break
				}
			}
			s.mu.Lock()
			for _, a := range to {
				s.got = append(s.got, sentMail{To: a, Subject: subject})
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

// mails returns what the sink received so far.
func (s *mailSink) mails() []sentMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sentMail(nil), s.got...)
}
