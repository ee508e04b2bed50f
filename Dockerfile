# syntax=docker/dockerfile:1
# secctx-lint as a small static image:
#   docker build -t secctx-lint .
#   docker run --rm -v "$PWD:/src" secctx-lint deploy/
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/src" secctx-lint --fix deploy/

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /build
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/secctx-lint ./cmd/secctx-lint

FROM scratch
COPY --from=build /out/secctx-lint /usr/local/bin/secctx-lint
# Non-root, numeric so that runAsNonRoot can verify it. For --fix on a bind
# mount, run as the files' owner: --user "$(id -u):$(id -g)".
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/secctx-lint"]
