# glmock, the mock GitLab, in a minimal image: static binaries (no cgo), a non-root user,
# 0.0.0.0:8080 inside, a HEALTHCHECK against /-/health. glcontract is in the image too, for
# running the conformance suite from the same image (see docker-compose.yml, which builds it
# with the same tag).
#
#   docker build -t glclusters/glmock:dev .
#   docker run --rm -p 127.0.0.1:8080:8080 glclusters/glmock:dev
#   docker run --rm -p 127.0.0.1:8080:8080 -v glmock-data:/data -e GLMOCK_STATE=/data/state.json glclusters/glmock:dev
#   docker run --rm -p 127.0.0.1:8443:8443 -v glmock-ca:/tls -e GLMOCK_ADDR=0.0.0.0:8443 -e GLMOCK_TLS_AUTO=/tls glclusters/glmock:dev
#
# deploy_test.go runs this file's `go build` commands on the host (with -n in make test, in full
# in make docker-build-check), so keep each one on a RUN line of the build stage, writing to
# /out/<name>.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/glmock ./cmd/glmock
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/glcontract ./cmd/glcontract
# The state and CA volumes' mount points, owned by the runtime user (an empty named volume
# takes the directory's owner over).
RUN mkdir -p /out/data /out/tls

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/glmock /out/glcontract /
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build --chown=65532:65532 /out/tls /tls
USER 65532:65532
ENV GLMOCK_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["/glmock", "healthcheck"]
ENTRYPOINT ["/glmock"]
