from callkeep.cli import main

main()
