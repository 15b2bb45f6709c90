#!/usr/bin/env bash
# banned.sh: STYLE rule 19. No sprintf, strcpy, strcat, strtok, atoi or gets anywhere in our C sources (use
# snprintf, memcpy with lengths, strtok_r, strtoll with checks); no float or double next to money in
# the layers that handle it. Prints every hit; exits 1 if there is one.
set -u
cd "$(dirname "$0")/../.." || exit 1
status=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find lib proto services tools tests bench -name '*.[ch]')
hits=$(grep -nE '(^|[^_a-zA-Z0-9])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)[[:space:]]*\(' $files \
       | grep -vE '^[^:]+:[0-9]+:\s*(/\*|\*|//)' || true)
if [ -n "$hits" ]; then
  echo "banned functions:"; echo "$hits"; status=1
fi
money=$(grep -nE '\b(double|float)\b' $(echo "$files" | grep -E '^(lib|proto|services|tools)/') \
        | grep -iE 'price|qty|quant|amount|notional|fee|pnl|balance' || true)
if [ -n "$money" ]; then
  echo "floating point next to money:"; echo "$money"; status=1
fi
[ $status -eq 0 ] && echo "style: no banned function, no floating point next to money ($(echo "$files" | wc -w) files)"
exit $status
