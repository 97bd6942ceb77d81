/**
 * asmap encoder test vectors: small prefix → ASN tables and the bytes Bitcoin Core's reference encoder
 * (contrib/asmap/asmap.py, `ASMap(entries).to_binary()`) produced for them, run once at development time.
 * Only the resulting hex is kept here; the tables themselves were written for these tests (the "random"
 * one from a seeded generator). `checksum` is SHA256d(CompactSize(bits) ‖ one 0x00/0x01 byte per bit),
 * computed independently with Python's hashlib.
 */

/** One encoder vector. */
export interface AsmapVector {
  /** What the table exercises. */
  readonly name: string;
  /** [CIDR, ASN]; IPv4 CIDRs are mapped into ::ffff:0:0/96. */
  readonly entries: ReadonlyArray<readonly [string, number]>;
  /** Encoded map (file bytes), lowercase hex. */
  readonly hex: string;
  /** Expected `Asmap.checksum`, lowercase hex. */
  readonly checksum: string;
}

/** The vectors. */
export const ASMAP_VECTORS: readonly AsmapVector[] = [
  {
    name: 'single IPv4 /8 (250.0.0.0/8 AS1000)',
    entries: [['250.0.0.0/8', 1000]],
    hex: 'fb03ec0fb03fc0fe00fb03ec0fb03fc0fe00fb03ec0fb0fffffefffb7f013e07',
    checksum: 'c790630bb026412bb9c1d2e460ef8aa532c0ce48bf0fda5598af97e55c203828',
  },
  {
    name: 'Core addrman_tests mock table',
    entries: [
      ['250.0.0.0/8', 1000], ['101.1.0.0/16', 1], ['101.2.0.0/16', 2], ['101.3.0.0/16', 3],
      ['101.4.0.0/16', 4], ['101.5.0.0/16', 5], ['101.6.0.0/16', 6], ['101.7.0.0/16', 7], ['101.8.0.0/16', 8],
    ],
    hex: 'fb03ec0fb03fc0fe00fb03ec0fb03fc0fe00fb03ec0fb0fffffeffedbd6d7f85e62a2d7402003800e00400947100e009' +
      '00e400a01300d80600e0fbbd009f03',
    checksum: 'f54c04f7e9d2319e7a414222f40a466024cbb684fd205acae811e070d86e4e11',
  },
  {
    name: 'whole address space',
    entries: [['::/0', 1000]],
    hex: '80cf01',
    checksum: '922d5a019f6933b5b139b293945bda9d184628fa9014b980475c03192eee3f24',
  },
  {
    name: 'default plus one half',
    entries: [['::/0', 7], ['8000::/1', 9]],
    hex: '07009b002000',
    checksum: '1c4c6c09d5ff66e2016a612c12084b9f7bd3bdc80e740353906b8491b780fddd',
  },
  {
    name: 'four quadrants',
    entries: [
      ['::/2', 1], ['4000::/2', 2], ['8000::/2', 3], ['c000::/2', 4],
    ],
    hex: '1907009800000f0034010003',
    checksum: 'd16997c10639f0932ed00ce0fb158f3239e8d6666251c3ab1deebd5af538e10e',
  },
  {
    name: 'mixed IPv4/IPv6, nested, large ASNs',
    entries: [
      ['2001:db8::/32', 64496], ['2001:db8:1::/48', 64497], ['2001:db8:1:2::/64', 64496],
      ['::ffff:0:0/96', 4200], ['10.0.0.0/8', 70000], ['10.1.0.0/16', 70000], ['192.168.1.1/32', 33521664],
      ['::1/128', 1], ['fc00::/7', 32769],
    ],
    hex: '3d77a307710fec0fb03fc0fe00fb03ec0fb03fc0fe00fb03ec0fd0d0fb01f607d81f607f80fd01f6070400b0df7fffff' +
      '239827ef8752a2fd7e81fd2bf607dc1fd0ffffffff3db03fe0feb0fb773ceffbfd01f6077cde0ffb03ec0f24effb7d9f' +
      '000000',
    checksum: 'bbfa786acb00dc8f175d18085d423657e6a0ff152c844aaf4520633998748c35',
  },
  {
    name: 'random 40 (seeded)',
    entries: [
      ['101.149.136.0/21', 222279], ['250.218.24.0/21', 186438], ['2001:db8:a524::/52', 19],
      ['2001:db8:8de4::/48', 342697], ['149.220.176.0/21', 7], ['2001:347a:2324::/46', 333851],
      ['101.0.0.0/9', 55754], ['10.53.46.73/32', 198224], ['101.23.205.128/25', 14],
      ['2001:db8:d703:d580::/58', 256393], ['85.192.0.0/10', 216490], ['2001:db8:8000::/37', 9],
      ['37.203.235.128/25', 327573], ['104.204.96.0/19', 28873], ['250.162.152.0/22', 4], ['10.16.0.0/12', 17],
      ['101.254.93.208/29', 343852], ['250.240.0.0/12', 301667], ['101.139.120.0/23', 165090],
      ['2001:db8:dda7:e514::/63', 3], ['2001:db8:4b80::/41', 18], ['2001:db8:9800::/39', 11],
      ['10.9.32.0/19', 18], ['100.99.199.248/29', 149931], ['2001:db8:e600::/39', 1],
      ['2001:ea4f:366e::/51', 319990], ['20.72.203.128/29', 233300], ['2001:db8:92c0::/42', 261194],
      ['2001:db8:51d0::/45', 80665], ['2001:d80::/26', 44266], ['2001:db8:44c:c6e0::/60', 380696],
      ['2001:b4ba:579:f411::/64', 390210], ['101.48.128.0/17', 45231], ['2001:db8:974b::/48', 27994],
      ['2001:c532:2810::/44', 1], ['2001:45b3:1800::/37', 19], ['2001:db8:7e7c:3d9c::/62', 4],
      ['2001:db8:eb04::/47', 332375], ['100.61.134.214/31', 262839], ['218.132.0.0/15', 357793],
    ],
    hex: '8b3ec7f7c0fe00fb03ec0fb03fc0fe00fb03ec0fb03fc0fe00fbffefffdf3bdee977e04db9af282a71bf24004400087b' +
      '757fbafd256d98fcd83f727fccfd1d1cf0cafbe8fdd3f75f77faa7a4ee57b7b395a37b5b35c5287defed3fbcbfb523a8' +
      '6dcbfe1efbff9bc9aa067f9a93a3c07dfdfed90060f78562a8ab63e46fddbfc7821c8efd1bed89d8f6fda7f7ef72f653' +
      'efc3f637e63051eca6fdbbf74f030056f06ef71772be16ec5b7377b17f1900e0dcf5fec25643743ab18cf6c0fe807d30' +
      'f79ef6faef677b3497fb8e0ebde2c5fe22fbcfec6fe792472f3f76af03401cfb73a91b63fbfef9fbc3ef6f0e00b82368' +
      'adb20200406cddffc4d9555171e2ae1d3e92ebfda5d96a2e00408dfd95f6170080d42cb3f4bdb33ffcfe6a0ecb88d5fe' +
      'cbfb3fed1f05006884af01002cf70f7226a96ddd1f6fff88fd279d19581bf66fdbdf180052c3ef5bf6efda1f747fcffd' +
      '5ff64774b908963df657de9f68ff400000fb2bedefb97ff3fe0e4ec357',
    checksum: 'bca3b9e4d50b9a35dbdff30523aaab233993d25e7b0d8c6fcc254d6983e8849a',
  },
];
