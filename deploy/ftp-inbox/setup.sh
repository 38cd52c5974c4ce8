#!/usr/bin/env bash
# Sets up the VisionFactory upload inbox: Debian's vsftpd serving one folder to one FTP user, whose uploads the
# platform imports (setting Collect:Inbox:Path). Run as root on the machine that runs `vf serve`.
#
#   deploy/ftp-inbox/setup.sh [inbox folder] [ftp user]        (defaults: /srv/visionfactory/inbox, vfinbox)
#
# Users upload with any FTP client into <dataset>/<class>/<image>; the platform takes a file once it has stopped
# changing, imports it as a new version of <dataset>, and moves batches it cannot import to .failed/ with the reason.
# The FTP password is printed once; change it with `passwd <user>`. Plain FTP sends it in clear text: keep the port
# on a trusted network, or give vsftpd a certificate (ssl_enable=YES, rsa_cert_file=...) for FTPS.
set -euo pipefail
inbox="${1:-/srv/visionfactory/inbox}"
user="${2:-vfinbox}"
pasv_min="${VF_FTP_PASV_MIN:-40000}"
pasv_max="${VF_FTP_PASV_MAX:-40100}"

if ! command -v vsftpd >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq vsftpd >/dev/null
fi

# The FTP user: no shell, home is the inbox (vsftpd confines it there with chroot).
if ! id "$user" >/dev/null 2>&1; then
  useradd --system --home-dir "$inbox" --shell /usr/sbin/nologin "$user"
  password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  echo "$user:$password" | chpasswd
  echo "FTP user '$user' created with password: $password"
fi
grep -qx /usr/sbin/nologin /etc/shells || echo /usr/sbin/nologin >> /etc/shells
mkdir -p "$inbox"
chown "$user:$user" "$inbox"
chmod 0755 "$inbox"

cat > /etc/vsftpd.conf <<CONF
# Written by VisionFactory's deploy/ftp-inbox/setup.sh: one local user, confined to the upload inbox.
listen=YES
listen_ipv6=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
userlist_enable=YES
userlist_deny=NO
userlist_file=/etc/vsftpd.userlist
pam_service_name=vsftpd
pasv_enable=YES
pasv_min_port=$pasv_min
pasv_max_port=$pasv_max
hide_ids=YES
ls_recurse_enable=NO
xferlog_enable=YES
secure_chroot_dir=/var/run/vsftpd/empty
CONF
echo "$user" > /etc/vsftpd.userlist
mkdir -p /var/run/vsftpd/empty

if command -v systemctl >/dev/null 2>&1 && systemctl list-units >/dev/null 2>&1; then
  systemctl enable --now vsftpd && systemctl restart vsftpd
else
  pkill -x vsftpd 2>/dev/null || true
  vsftpd /etc/vsftpd.conf &
fi

echo "Inbox ready: ftp://$(hostname -f 2>/dev/null || hostname)/ as '$user' -> $inbox"
echo "Tell the platform: Collect__Inbox__Path=$inbox vf serve   (or Collect:Inbox:Path in appsettings.json)"
