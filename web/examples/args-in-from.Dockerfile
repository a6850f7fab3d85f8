# syntax=docker/dockerfile:1
# A global ARG (before the first FROM) is what FROM lines can expand. Inside a stage it is
# unset until the stage declares it again.
ARG GO_VERSION=1.22
ARG VARIANT=
FROM golang:${GO_VERSION}${VARIANT} AS build
ARG APP_VERSION=dev
WORKDIR /src
COPY . .
RUN go build -ldflags "-X main.version=${APP_VERSION}" -o /out/app .

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
