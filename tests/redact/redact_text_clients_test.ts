import assert from "node:assert/strict";
import { REDACTED, redactText } from "../../lib/redact/mod.ts";

Deno.test("redactText() hides a MySQL compact password", () => {
  assert.equal(redactText("mysql -uroot -pS3cr3t! db"), `mysql -uroot -p${REDACTED} db`);
  assert.equal(
    redactText("/usr/bin/mysqldump -h db -p'a b' --all > x.sql"),
    `/usr/bin/mysqldump -h db -p'${REDACTED}' --all > x.sql`,
  );
  assert.equal(redactText('mariadb-admin "-pa b" status'), `mariadb-admin "-p${REDACTED}" status`);
  assert.equal(
    redactText('docker exec db mysql -e "select 1;" -pX'),
    `docker exec db mysql -e "select 1;" -p${REDACTED}`,
  );
});

Deno.test("redactText() keeps -p that belongs to other commands next to a MySQL client", () => {
  assert.equal(
    redactText("ssh -p22 h && mysql -uroot -pX db; nmap -p1-1000 h"),
    `ssh -p22 h && mysql -uroot -p${REDACTED} db; nmap -p1-1000 h`,
  );
  assert.equal(
    redactText("mysql -pX | ssh -p2222 backup 'cat > x'"),
    `mysql -p${REDACTED} | ssh -p2222 backup 'cat > x'`,
  );
});

Deno.test("redactText() keeps -p when no MySQL client owns it", () => {
  for (
    const text of [
      "ssh -p22 host",
      "nmap -p1-1000 host",
      "docker run -e MYSQL_ROOT_PASSWORD_FILE=/x -p3306:3306 mysql:8",
      "nmap -p3306 --script mysql-info host",
      "mysql -p",
      "mysql -P3306 -h db",
      "mkdir -p /var/lib/mysql",
    ]
  ) assert.equal(redactText(text), text);
});

Deno.test("redactText() hides sshpass and mycli passwords given after a blank", () => {
  assert.equal(
    redactText("sshpass -p 's3 cret' ssh -p22 host"),
    `sshpass -p '${REDACTED}' ssh -p22 host`,
  );
  assert.equal(redactText("sshpass -pX ssh -p22 h"), `sshpass -p${REDACTED} ssh -p22 h`);
  assert.equal(redactText("mycli -u root -p pw db"), `mycli -u root -p ${REDACTED} db`);
});

Deno.test("redactText() stops at the command sshpass runs", () => {
  for (const text of ["sshpass -e ssh -p22 host", "sshpass -f /run/pw scp -P22 a b:"]) {
    assert.equal(redactText(text), text);
  }
});

Deno.test("redactText() hides redis-cli -a and curl -u passwords but keeps the user", () => {
  assert.equal(redactText("redis-cli -a pw -p 6379"), `redis-cli -a ${REDACTED} -p 6379`);
  assert.equal(
    redactText("curl -u admin:pw https://x && curl --user 'bob:a b' y"),
    `curl -u admin:${REDACTED} https://x && curl --user 'bob:${REDACTED}' y`,
  );
  assert.equal(redactText("curl -uadmin:pw x"), `curl -uadmin:${REDACTED} x`);
});

Deno.test("redactText() keeps curl -u without a password and unrelated flags", () => {
  for (
    const text of ["curl -u admin https://x", "curl -U proxyuser: x", "curl --user-agent a:b x"]
  ) assert.equal(redactText(text), text);
});

Deno.test("redactText() hides LDAP -w, sqlcmd -P, mongo -p and docker login -p passwords", () => {
  assert.equal(
    redactText("ldapsearch -x -D cn=admin -w s3cret -b dc=x"),
    `ldapsearch -x -D cn=admin -w ${REDACTED} -b dc=x`,
  );
  assert.equal(
    redactText("sqlcmd -S db -U sa -P 'Pa ss' -Q 'select 1'"),
    `sqlcmd -S db -U sa -P '${REDACTED}' -Q 'select 1'`,
  );
  assert.equal(
    redactText("mongosh -u admin -p pw --port 27017"),
    `mongosh -u admin -p ${REDACTED} --port 27017`,
  );
  assert.equal(
    redactText("docker login -u bob -p pw ghcr.io"),
    `docker login -u bob -p ${REDACTED} ghcr.io`,
  );
});

Deno.test("redactText() keeps the same letters when they mean something else", () => {
  for (
    const text of [
      "docker run -p 8080:80 nginx",
      "ldapsearch -W -D cn=admin",
      "sqlcmd -S db -p",
      "wget -w 5 https://x",
      "psql -p 5432 -h db",
    ]
  ) assert.equal(redactText(text), text);
});
