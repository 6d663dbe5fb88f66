#!/usr/bin/env bash
# Builds the root file system of the pool image's base layers into DIR, from what a Debian build
# machine has (no registry but Maven Central, Debian and npm can be reached here, so no upstream base
# image): a Java 17 runtime made by jlink from the JDK's jmods (Debian: openjdk-17-jdk-headless),
# the C library and the other shared libraries it links (Debian: libc6, libstdc++6, libgcc-s1, zlib1g),
# CA certificates (Debian: ca-certificates, ca-certificates-java), /etc/passwd and /etc/group with
# the non-root user switchboard (10001), and an nsswitch.conf. Jib (pool-node's "image" profile) puts
# DIR into the image as extra directories on top of "scratch".
#
# Usage: build-runtime.sh DIR   (JAVA_HOME: the JDK to take jlink and the jmods from; default: the
# one of `javac` on the PATH)
set -euo pipefail
out="${1:?usage: build-runtime.sh DIR}"
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
[ -d "$java_home/jmods" ] || { echo "build-runtime.sh: $java_home/jmods is missing (Debian: apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }

# What the node's jars use (jdeps --print-module-deps over pool-node.jar and target/lib), plus what
# is loaded only at run time: TLS with elliptic curves (jdk.crypto.ec), DNS for JNDI (jdk.naming.dns).
modules=java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.jfr,jdk.management,jdk.naming.dns,jdk.sctp,jdk.unsupported

rm -rf "$out"
mkdir -p "$out/opt" "$out/etc/ssl/certs" "$out/tmp"
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out/opt/java"

# Debian's JDK links its trust store to /etc/ssl/certs/java/cacerts (ca-certificates-java)
rm -f "$out/opt/java/lib/security/cacerts"
cp -L /etc/ssl/certs/java/cacerts "$out/opt/java/lib/security/cacerts"
cp -L /etc/ssl/certs/ca-certificates.crt "$out/etc/ssl/certs/ca-certificates.crt"

# Shared libraries of the launcher, the VM and the natives a headless server loads. The desktop
# natives (AWT, sound, fonts, images) stay without their X11 and font libraries: java.desktop is
# there for java.beans only.
desktop='libawt_xawt|libjawt|libawt_headless|libawt|libsplashscreen|libjsound|libfontmanager|liblcms|libjavajpeg|libmlib_image'
natives=("$out/opt/java/bin/java" "$out/opt/java/lib/server/libjvm.so")
for so in "$out"/opt/java/lib/*.so; do
  [[ "$(basename "$so" .so)" =~ ^($desktop)$ ]] || natives+=("$so")
done
ldd "${natives[@]}" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/lib/ {print $1}' | sort -u |
  while read -r lib; do
    case "$lib" in "$out"/*) continue ;; esac
    mkdir -p "$out$(dirname "$lib")"
    cp -L "$lib" "$out$lib"
  done
[ -f "$out/lib64/ld-linux-x86-64.so.2" ] || { echo "build-runtime.sh: no dynamic loader copied" >&2; exit 1; }

cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
switchboard:x:10001:10001:Switchboard:/tmp:/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
switchboard:x:10001:
GROUP
# Kubernetes mounts /etc/hosts and /etc/resolv.conf; glibc reads this to use both
echo 'hosts: files dns' > "$out/etc/nsswitch.conf"
