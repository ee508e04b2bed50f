# syntax=docker/dockerfile:1
# secctx-lint as a small static image:
#   docker build -t secctx-lint .
#   docker run --rm -v "$PWD:/src" secctx-lint deploy/
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/src" secctx-lint --fix deploy/

ARG GO_VERSION=1.26

# The build stage runs on the machine's own platform and cross-compiles for
# the target (buildx --platform linux/arm64 needs no emulation). The
# release image (.goreleaser.yaml, dockers_v2) is built from this file too.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /build
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/secctx-lint ./cmd/secctx-lint

FROM scratch
COPY --from=build /out/secctx-lint /usr/local/bin/secctx-lint
# The licences of the tool and of the Azure data compiled into it.
COPY --from=build /build/LICENSE /build/NOTICE /usr/share/doc/secctx-lint/
COPY --from=build /build/azure/builtin/LICENSE /usr/share/doc/secctx-lint/LICENSE.azure-policy
COPY --from=build /build/azure/builtin/NOTICE /usr/share/doc/secctx-lint/NOTICE.azure-policy
# Non-root, numeric so that runAsNonRoot can verify it. For --fix on a bind
# mount, run as the files' owner: --user "$(id -u):$(id -g)".
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/secctx-lint"]
