# syntax=docker/dockerfile:1
FROM rust:1.70 AS build
WORKDIR /app
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release

FROM debian:bookworm-slim
COPY --from=build /app/target/release/app /usr/local/bin/app
USER 1000
EXPOSE 3000
CMD ["app"]
