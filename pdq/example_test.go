package pdq_test

import (
	"errors"
	"fmt"
	"log"

	"safeguard/pdq"
)

func ExampleDistance() {
	// The reference's hashes of the bridge photo and of a sharpened copy.
	orig, err := pdq.ParseHash("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	if err != nil {
		log.Fatal(err)
	}
	sharpened, err := pdq.ParseHash("D8F8F0CEE0F4A84F0E370222038F67F0B36E2ED596231E1D33E6B39C4E9C9B22")
	if err != nil {
		log.Fatal(err)
	}
	d := pdq.Distance(orig, sharpened)
	fmt.Println(d, d <= 31) // 31 is the usual match threshold
	fmt.Println(sharpened)
	// Output:
	// 6 true
	// d8f8f0cee0f4a84f0e370222038f67f0b36e2ed596231e1d33e6b39c4e9c9b22
}

func ExampleHashFile() {
	res, err := pdq.HashFile("upload.bin", pdq.Options{MaxPixels: 50_000_000}, true)
	switch {
	case errors.Is(err, pdq.ErrTooLarge), errors.Is(err, pdq.ErrUnsupported):
		fmt.Println("not hashed:", err)
		return
	case err != nil:
		fmt.Println("unreadable:", err)
		return
	case res.Quality < 50:
		fmt.Println("too featureless to match")
		return
	}
	fmt.Println(res.Hash, res.Quality, res.Dihedral[pdq.Rotate90])
}
