#!/bin/bash
# The web image's entry point: writes the API forwarding from SNAPDEPLOY_API_ORIGIN, then
# runs nginx in the foreground. `healthcheck` asks nginx's own /web-healthz (no curl here).
set -euo pipefail

if [ "${1:-}" = healthcheck ]; then
    exec 3<>/dev/tcp/127.0.0.1/8080
    printf 'GET /web-healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    read -r _ status _ <&3
    [ "$status" = 200 ]
    exit
fi

# /tmp may be an empty volume (a read-only root filesystem): make nginx's folder first.
mkdir -p /tmp/nginx
api_conf=/tmp/nginx/api.conf
origin="${SNAPDEPLOY_API_ORIGIN:-}"
if [ -z "$origin" ]; then
    # UI only: the API's paths are routed to it elsewhere (an Ingress, CloudFront).
    printf 'location / { return 404; }\n' > "$api_conf"
elif [[ "$origin" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?$ ]]; then
    cat > "$api_conf" <<CONF
location / {
    proxy_pass $origin;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_ssl_server_name on;
    # Job progress is a server-sent event stream: passed on as it comes, kept open.
    proxy_buffering off;
    proxy_read_timeout 1h;
    client_max_body_size 16m;
}
CONF
else
    echo "SNAPDEPLOY_API_ORIGIN must be http(s)://host[:port] with no path, e.g. http://snapdeploy-api:5050; got: $origin" >&2
    exit 1
fi
exec nginx -g 'daemon off;'
