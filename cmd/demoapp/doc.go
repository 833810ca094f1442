// Command demoapp is the demo candidate service: a small visit log
// ("besökslogg") web application that pilotbed runs in a testbed in the
// quick start, the examples and the integration tests. It is built as a
// static binary into a FROM scratch image (see Dockerfile and
// `make demo-image`).
//
// Configuration, all by environment:
//
//	PORT              port to listen on (8080)
//	APP_TITLE         page title ("Besökslogg")
//	APP_VARIANT       "a", "b" or a CSS colour name: the accent colour, so two
//	                  candidates look different
//	DEMO_FAIL_HEALTH  "1": /healthz fails from the start
//	DEMO_CRASH_AFTER  a duration: exit with status 1 after it
//	DEMO_TEST_API     "1": enable the /_test/ endpoints (off by default, since
//	                  participants reach the service through the gateway)
//
// The /_test/ endpoints let tests play failures: POST /_test/unhealthy and
// /_test/healthy switch /healthz, POST /_test/crash exits with status 1,
// POST /_test/leak allocates memory until the container's limit kills it,
// and GET /_test/dial?addr=host:port reports whether a TCP connection can be
// opened (tests use it between their own containers to check isolation).
package main
