#!/bin/sh
out=$("$TEST_SRCDIR/__main__/hello")
[ "$out" = "hello kiln" ]
