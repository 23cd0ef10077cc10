# The two commands of the README: `make run` and `make test`.

export PCCOVID_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable

.PHONY: run test vet bench

run:
	go run ./cmd/pccovid serve --demo

test:
	./scripts/test-deps.sh
	gofmt -l . | (! grep .) || (echo "gofmt: files above are not formatted" && exit 1)
	go vet ./...
	go test -timeout 30m ./...

bench:
	go test -run '^$$' -bench . -benchmem ./...
