#!/bin/sh
# tests/man/check.sh OTZONE: the manual page and `otzone help COMMAND`.
#  - every command has a help text; `otzone COMMAND --help` prints the
#    same; an unknown command is refused with the list of commands
#  - every option a help text names is documented in sensor/otzone.1
#    under that command's section, and the command line accepts it
#  - the page renders with groff without a warning
#  - `make install DESTDIR=...` installs it as share/man/man1/otzone.1
set -u
otz=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
man=sensor/otzone.1
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
ok() { pass=$((pass + 1)); }
bad() {
	echo "man: FAIL: $*"
	fail=$((fail + 1))
}

# the command list, from the refusal of an unknown one
"$otz" help no-such-command >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "^otzone: help: no command 'no-such-command' (commands: " "$tmp/err"
then ok; else bad "help no-such-command: exit $rc, $(cat "$tmp/err")"; fi
cmds=$(sed -n 's/.*(commands: \(.*\))$/\1/p' "$tmp/err")
[ -n "$cmds" ] || { bad "no command list"; cmds=""; }
ncmds=0
for c in $cmds; do
	ncmds=$((ncmds + 1))
	if ! "$otz" help "$c" >"$tmp/$c.help" 2>&1 ||
	    ! head -1 "$tmp/$c.help" | grep -q "^usage: otzone .*$c"; then
		bad "help $c: $(head -2 "$tmp/$c.help")"
		continue
	fi
	ok
	if [ "$c" != help ] && [ "$c" != version ]; then
		"$otz" "$c" --help >"$tmp/$c.help2" 2>&1
		if cmp -s "$tmp/$c.help" "$tmp/$c.help2"; then ok; else
			bad "'$c --help' differs from 'help $c'"
		fi
	fi
	# the section of the page for this command
	awk -v c="$c" '
		/^\.SS / { on = ($2 == c); next }
		/^\.SH / { on = 0 }
		on { print }' "$man" | sed 's/\\-/-/g; s/\\f[BIR]//g' >"$tmp/$c.man"
	if [ ! -s "$tmp/$c.man" ]; then
		bad "$man has no '.SS $c' section"
		continue
	fi
	ok
	# options named in the help text: words starting with - or --
	grep -oE '(^|[ [,])--?[a-z][a-z-]*' "$tmp/$c.help" |
	    sed 's/^[ [,]//' | sort -u >"$tmp/$c.opts"
	while read -r o; do
		if grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" "$tmp/$c.man"; then
			ok
		else
			bad "$c: option $o is in 'otzone help $c' but not under .SS $c in $man"
		fi
		# the parser knows it (a value is given to options that take one)
		case "$c" in sensor | help | version | merge) continue ;; esac
		"$otz" --db "$tmp/none.db" "$c" "$o" x >"$tmp/o.out" 2>"$tmp/o.err" </dev/null
		if grep -q "unknown option" "$tmp/o.err"; then
			bad "$c: option $o is documented but refused: $(head -1 "$tmp/o.err")"
		else
			ok
		fi
	done <"$tmp/$c.opts"
done
[ "$ncmds" -ge 9 ] && ok || bad "only $ncmds commands listed: $cmds"

# every .SS of COMMANDS is a command (no stale section)
sed -n '/^\.SH COMMANDS/,/^\.SH OPERATION/p' "$man" | sed -n 's/^\.SS //p' >"$tmp/sections"
while read -r s; do
	case " $cmds " in
	*" $s "*) ok ;;
	*) bad "$man documents '$s', which is not a command" ;;
	esac
done <"$tmp/sections"

# renders without warnings
if command -v groff >/dev/null 2>&1; then
	if groff -man -ww -z "$man" >"$tmp/groff" 2>&1 && [ ! -s "$tmp/groff" ]; then
		ok
	else
		bad "groff warnings: $(head -3 "$tmp/groff")"
	fi
else
	echo "man: SKIP groff rendering (groff not installed: apt-get install groff-base)"
fi

# installed by make install
build=$(dirname "$otz")
if make --no-print-directory -s BUILD="$build" install DESTDIR="$tmp/inst" \
    PREFIX=/usr >"$tmp/inst.log" 2>&1 &&
    cmp -s "$man" "$tmp/inst/usr/share/man/man1/otzone.1"; then
	ok
else
	bad "make install did not install $man as usr/share/man/man1/otzone.1: $(tail -2 "$tmp/inst.log")"
fi

echo "man: $pass passed, $fail failed"
[ $fail -eq 0 ]
