#!/bin/sh
# Install CCP Field Desk on a Linux laptop from the unpacked archive (no Python, no network needed).
#
#   sudo ./install.sh                 for every user: /opt/ccp-field-desk, menu entry, `ccp-desktop` command
#   ./install.sh                      for yourself only: ~/.local/opt/ccp-field-desk and your menu
#   sudo ./install.sh --prefix DIR    put the program in DIR/ccp-field-desk instead of /opt
#   sudo ./install.sh --uninstall     remove the program (officers' databases are never touched)
#
# Installing over an earlier version replaces the program only; databases live in each user's data
# folder (~/.local/share/ccp-field-desk) and are kept. DESTDIR=/some/root stages the install there
# (for building a distribution package, and for the tests).
set -eu

APP_ID=ccp-field-desk
HERE=$(cd "$(dirname "$0")" && pwd)
ACTION=install
if [ "$(id -u)" -eq 0 ]; then
    PREFIX=/opt
    SHARE=/usr/share
    BIN_DIR=/usr/local/bin
else
    PREFIX="$HOME/.local/opt"
    SHARE="${XDG_DATA_HOME:-$HOME/.local/share}"
    BIN_DIR="$HOME/.local/bin"
fi

while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || { echo "--prefix needs a folder" >&2; exit 2; }; PREFIX=$2; shift 2 ;;
        --uninstall) ACTION=uninstall; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
done

ROOT="${DESTDIR:-}"
APP_DIR="$PREFIX/$APP_ID"          # where the program runs from, written into the menu entry
DEST="$ROOT$APP_DIR"
SHARE="$ROOT$SHARE"
BIN_DIR="$ROOT$BIN_DIR"
DESKTOP_FILE="$SHARE/applications/$APP_ID.desktop"
SIZES="16 24 32 48 64 128 256 512"

refresh_menus() {
    # Desktops pick up the entry and icons sooner when their caches are refreshed; not every
    # system has these tools, and a failure here must not fail the install.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$SHARE/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" 2>/dev/null || true
    fi
}

if [ "$ACTION" = uninstall ]; then
    rm -rf "$DEST"
    rm -f "$DESKTOP_FILE" "$BIN_DIR/ccp-desktop"
    for size in $SIZES; do rm -f "$SHARE/icons/hicolor/${size}x${size}/apps/$APP_ID.png"; done
    rm -f "$SHARE/icons/hicolor/scalable/apps/$APP_ID.svg"
    refresh_menus
    echo "CCP Field Desk removed from $DEST. Officers' databases were not touched."
    exit 0
fi

[ -x "$HERE/$APP_ID/$APP_ID" ] || { echo "$HERE/$APP_ID/$APP_ID is missing: unpack the whole archive first" >&2; exit 1; }

# Copy beside the old version, then swap, so a failed copy never leaves a half-installed program.
mkdir -p "$ROOT$PREFIX"
rm -rf "$DEST.new" "$DEST.old"
cp -R "$HERE/$APP_ID" "$DEST.new"
[ -d "$DEST" ] && mv "$DEST" "$DEST.old"
mv "$DEST.new" "$DEST"
rm -rf "$DEST.old"

ICONS="$DEST/_internal/resources/icons"
for size in $SIZES; do
    mkdir -p "$SHARE/icons/hicolor/${size}x${size}/apps"
    cp "$ICONS/hicolor/${size}x${size}/apps/$APP_ID.png" "$SHARE/icons/hicolor/${size}x${size}/apps/"
done
mkdir -p "$SHARE/icons/hicolor/scalable/apps" "$SHARE/applications" "$BIN_DIR"
cp "$ICONS/$APP_ID.svg" "$SHARE/icons/hicolor/scalable/apps/"
sed "s#/opt/$APP_ID#$APP_DIR#g" "$HERE/$APP_ID.desktop" > "$DESKTOP_FILE"
chmod 644 "$DESKTOP_FILE"
ln -sf "$APP_DIR/$APP_ID" "$BIN_DIR/ccp-desktop"
refresh_menus

"$DEST/$APP_ID" --version
# Qt needs a few X11 libraries that not every distribution installs by default.
missing=$(ldd "$DEST/_internal/PySide6/Qt/plugins/platforms/libqxcb.so" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')
if [ -n "$missing" ]; then
    echo "Warning: this system lacks libraries the window needs: $missing" >&2
    echo "On Debian or Ubuntu install them with:" >&2
    echo "  sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0" >&2
fi
echo "Installed in $APP_DIR; start it from the menu (CCP Field Desk) or with: ccp-desktop"
echo "Check it with: $APP_DIR/$APP_ID --self-test"
