using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VisionFactory.Storage.Database.Migrations
{
    /// <inheritdoc />
    public partial class Zoo : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ArchitectureProfiles",
                columns: table => new
                {
                    Architecture = table.Column<string>(type: "TEXT", nullable: false),
                    Parameters = table.Column<long>(type: "INTEGER", nullable: false),
                    Flops = table.Column<long>(type: "INTEGER", nullable: false),
                    InputSize = table.Column<int>(type: "INTEGER", nullable: false),
                    CpuLatencyMs = table.Column<double>(type: "REAL", nullable: true),
                    LatencyThreads = table.Column<int>(type: "INTEGER", nullable: true),
                    LatencyMeasuredAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ArchitectureProfiles", x => x.Architecture);
                });

            migrationBuilder.CreateTable(
                name: "ImportedWeights",
                columns: table => new
                {
                    Architecture = table.Column<string>(type: "TEXT", nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", nullable: false),
                    SourceFile = table.Column<string>(type: "TEXT", nullable: false),
                    HeadClasses = table.Column<int>(type: "INTEGER", nullable: false),
                    Tensors = table.Column<int>(type: "INTEGER", nullable: false),
                    ImportedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImportedWeights", x => x.Architecture);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ArchitectureProfiles");

            migrationBuilder.DropTable(
                name: "ImportedWeights");
        }
    }
}
