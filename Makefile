# Convenience aliases; dev.sh is the real entry point.
.PHONY: serve test asan build
serve:
	./dev.sh serve
test:
	./dev.sh test
asan:
	./dev.sh asan
build:
	./dev.sh build
