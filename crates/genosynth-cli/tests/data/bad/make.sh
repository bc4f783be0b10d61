#!/bin/sh
# Regenerates the bad-input corpus (needs bgzip and bcftools). Each file breaks one rule;
# README.md lists them with the expected error.
set -eu
cd "$(dirname "$0")"
H='##fileformat=VCFv4.3
##contig=<ID=1,length=1000>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">'
C='#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	S1	S2'
ok1='1	10	rs1	A	G	.	PASS	.	GT	0|1	1|1'
ok2='1	20	rs2	C	T	.	PASS	.	GT	0|0	1|0'
vcf() { name=$1; shift; { printf '%s\n%s\n' "$H" "$C"; for l in "$@"; do printf '%s\n' "$l"; done; } > "$name"; }

vcf multiallelic.vcf "$ok1" '1	15	rs9	A	G,T	.	PASS	.	GT	0|2	1|0' "$ok2"
vcf unphased.vcf "$ok1" '1	20	rs2	C	T	.	PASS	.	GT	0/1	1|0'
vcf missing_diploid.vcf "$ok1" '1	20	rs2	C	T	.	PASS	.	GT	.|.	1|0'
vcf missing_haploid.vcf '1	10	rs1	A	G	.	PASS	.	GT	0	1' '1	20	rs2	C	T	.	PASS	.	GT	.	1'
vcf unsorted.vcf "$ok2" "$ok1"
{ printf '%s\n##contig=<ID=2>\n%s\n' "$H" "$C"; printf '%s\n2\t5\t.\tA\tG\t.\tPASS\t.\tGT\t0|0\t0|1\n%s\n' "$ok1" "$ok2"; } > unsorted_chromosomes.vcf
vcf duplicate_record.vcf "$ok1" "$ok1"
vcf sample_count_mismatch.vcf "$ok1" '1	20	rs2	C	T	.	PASS	.	GT	0|0'
vcf too_many_columns.vcf "$ok1" '1	20	rs2	C	T	.	PASS	.	GT	0|0	1|0	1|1'
vcf allele_beyond_alts.vcf "$ok1" '1	20	rs2	C	T	.	PASS	.	GT	0|2	1|0'
vcf bad_pos.vcf "$ok1" '1	2x0	rs2	C	T	.	PASS	.	GT	0|0	1|0'
vcf zero_pos.vcf '1	0	rs2	C	T	.	PASS	.	GT	0|0	1|0'
vcf no_gt_in_format.vcf '1	10	rs1	A	G	.	PASS	.	DP	3	4'
vcf bad_genotype.vcf "$ok1" '1	20	rs2	C	T	.	PASS	.	GT	0|A	1|0'
vcf triploid.vcf '1	10	rs1	A	G	.	PASS	.	GT	0|1|1	1|1'
vcf ploidy_change.vcf "$ok1" '1	20	rs2	C	T	.	PASS	.	GT	0	1|0'
vcf empty_alt.vcf '1	10	rs1	A		.	PASS	.	GT	0|1	1|1'
vcf header_only.vcf
: > empty.vcf
printf '%s\n%s\n' "$H" "$ok1" > missing_chrom_line.vcf
printf '%s\n%s\n' "$C" "$ok1" > missing_fileformat.vcf
printf '%s\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t10\trs1\tA\tG\t.\tPASS\t.\n' "$H" > no_samples.vcf
printf '%s\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS1\n%s\n' "$H" "$ok1" > duplicate_sample.vcf
printf 'sample\tpop\tsuper_pop\nHG00096\tGBR\tEUR\n' > not_vcf.txt
printf '\000\001\002\003PK\003\004\377\376garbage\000\000\377' > binary_junk.bin

# Compressed: a valid file cut in half, and one with a damaged deflate stream.
{ printf '%s\n%s\n' "$H" "$C"; i=1; while [ $i -le 3000 ]; do printf '1\t%d\trs%d\tA\tG\t.\tPASS\t.\tGT\t0|1\t1|0\n' $i $i; i=$((i+1)); done; } > big.tmp
bgzip -c big.tmp > big.vcf.gz.tmp
size=$(wc -c < big.vcf.gz.tmp)
head -c $((size / 2)) big.vcf.gz.tmp > truncated.vcf.gz
python3 -c "
d = bytearray(open('big.vcf.gz.tmp','rb').read())
for i in range(60, 90): d[i] ^= 0x5a
open('corrupt_bgzf.vcf.gz','wb').write(bytes(d))"
gzip -c big.tmp | head -c 300 > truncated_gzip.vcf.gz
bcftools view -Ob -o big.bcf.tmp big.tmp
size=$(wc -c < big.bcf.tmp)
head -c $((size / 2)) big.bcf.tmp > truncated.bcf
rm -f big.tmp big.vcf.gz.tmp big.bcf.tmp

printf 'AG AG_A 0 1 0\nAG AG_B 0 2 1\n' > hapt_bad_allele.hapt
printf 'AG AG_A 0 1 0\nAG AG_B 0 1\n' > hapt_ragged.hapt
printf 'AG AG_A 0 1 0\nAG AG_B 0 1 1\n' > hapt_no_sites.hapt
printf '#CHROM\tPOS\tID\tREF\tALT\n1\t10\trs1\tA\tG\n1\t20\trs2\tC\tT\n1\t30\trs3\tG\tA\n' > hapt.sites.txt
