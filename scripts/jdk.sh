# Sourced by Myelin's scripts: finds a JDK 25 and exports JAVA_HOME, or explains how to get one.
myelin_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1
}
myelin_find_jdk() {
  local c
  for c in "${MYELIN_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 \
           /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-25-openjdk-arm64 /usr/lib/jvm/*25* ; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    local v; v=$(myelin_java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME=$(myelin_find_jdk); then
  echo "myelin: JDK 25 not found. Install Temurin 25 (https://adoptium.net, or the temurin-25-jdk package)" >&2
  echo "        and set JAVA_HOME or MYELIN_JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
