# Sourced: nginx in front of pledge-server as an operator runs it, for .ci/proxy-check and
# .ci/instances-check. `nginx_site TMP HTTPS_PORT HTTP_PORT UPSTREAM_FILE` writes into TMP a
# throwaway self-signed certificate for pledge.example.org, deploy/nginx/pledge.conf as shipped
# with only what differs on this machine substituted (certificate, loopback ports, log paths,
# the IPv6 listens dropped, and its `upstream pledge { … }` block replaced by UPSTREAM_FILE's),
# and a main nginx.conf like Debian's with the settings the site file asks for. Sets NGINX.

NGINX=$(command -v nginx || echo /usr/sbin/nginx)

nginx_install_if_missing() {
  if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "installing nginx from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq nginx-light >/dev/null 2>&1 || apt-get install -y -qq nginx >/dev/null
  fi
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

nginx_site() {
  local tmp=$1 https_port=$2 http_port=$3 upstream=$4
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=pledge.example.org \
    -addext subjectAltName=DNS:pledge.example.org -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
  sed -e "s#/etc/letsencrypt/live/pledge.example.org/fullchain.pem#$tmp/cert.pem#" \
      -e "s#/etc/letsencrypt/live/pledge.example.org/privkey.pem#$tmp/key.pem#" \
      -e "s#listen 443 #listen 127.0.0.1:$https_port #" \
      -e "s#listen 80;#listen 127.0.0.1:$http_port;#" \
      -e "/listen \[::\]/d" \
      -e "s#/var/log/nginx/#$tmp/#" \
      -e "/^upstream pledge {/,/^}/{/^upstream pledge {/r $upstream" -e "d}" \
      deploy/nginx/pledge.conf > "$tmp/pledge.conf"
  grep -q '^upstream pledge {' "$tmp/pledge.conf" || { echo "nginx_site: no upstream block in $upstream"; return 1; }
  cat > "$tmp/nginx.conf" <<CONF
worker_processes 1;
worker_shutdown_timeout 30s;
worker_rlimit_nofile 16384;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 8192; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    access_log $tmp/access.log;
    include $tmp/pledge.conf;
}
CONF
}
