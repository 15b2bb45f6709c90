/* xroute-exchange-sim: the exchange simulator: Binance, Bybit and CoinDCX REST dialects over one matching engine. */
#include "base/prog.h"

#include <stdio.h>

static const char *s_usage =
    "usage: xroute-exchange-sim [--help] [--version]\n"
    "the exchange simulator: Binance, Bybit and CoinDCX REST dialects over one matching engine.\n";

int main(int argc, char **argv)
{
    if (prog_std_flags(argc, argv, "xroute-exchange-sim", s_usage))
        return 0;
    fprintf(stderr, "xroute-exchange-sim: not built yet in this version\n");
    return 2;
}
