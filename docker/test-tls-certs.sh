#!/usr/bin/env bash
# Throwaway TLS material for a test Docker engine on tcp://127.0.0.1 (dockerd --tlsverify), as `docker --tlsverify`
# reads it: DIR/ca.pem, the client's DIR/cert.pem and DIR/key.pem, the server's DIR/server-cert.pem and
# DIR/server-key.pem. A CA of its own, valid for two days; never for anything but a test run.
#   docker/test-tls-certs.sh DIR
set -euo pipefail
dir=${1:?usage: docker/test-tls-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
ossl() { openssl "$@" >/dev/null 2>&1; }
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=evor-test-ca -keyout ca-key.pem -out ca.pem
ossl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server-key.pem -out server.csr
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
ossl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile server.ext -out server-cert.pem
ossl req -newkey rsa:2048 -nodes -subj /CN=evor-test-client -keyout key.pem -out client.csr
printf 'extendedKeyUsage=clientAuth\n' >client.ext
ossl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile client.ext -out cert.pem
chmod 600 ./*key.pem
