# vitess-chaos: a user the harness uses from the host (through a port published on
# 127.0.0.1 only) to verify rows and replication directly on each mysqld.
CREATE USER 'vt_chaos'@'%';
GRANT ALL ON *.* TO 'vt_chaos'@'%';
